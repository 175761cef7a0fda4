/**
 * Opening the files `import` and `export` name. A missing directory or a denied file is one
 * line that names the path and the reason, before the store is touched, never a stack trace
 * or a bare `ENOENT`.
 */
import type { ReadStream, Stats, WriteStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { dirname } from "node:path";
import { finished } from "node:stream/promises";

/** A file the command cannot read or write. */
export class FileError extends Error {
  readonly path: string;

  constructor(message: string, path: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "FileError";
    this.path = path;
  }
}

function codeOf(error: unknown): unknown {
  return typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
}

function reason(error: unknown, path: string, writing: boolean): string {
  switch (codeOf(error)) {
    case "ENOENT":
      return writing ? `the directory ${dirname(path)} does not exist` : "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a directory";
    case "ENOTDIR":
      return "a part of the path is not a directory";
    case "ENOSPC":
      return "no space left on the device";
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

function fileError(error: unknown, path: string, writing: boolean): FileError {
  const verb = writing ? "write" : "read";
  return new FileError(`cannot ${verb} ${path}: ${reason(error, path, writing)}`, path, error);
}

/** Opens `path` for reading, as UTF-8 text, with its size for the progress bar. */
export async function openInput(path: string): Promise<{ stream: ReadStream; size: number }> {
  let handle: FileHandle;
  let info: Stats;
  try {
    handle = await open(path, "r");
    info = await handle.stat();
  } catch (error) {
    throw fileError(error, path, false);
  }
  // Opening a directory for reading succeeds; reading it is what fails.
  if (info.isDirectory()) {
    await handle.close();
    throw new FileError(`cannot read ${path}: it is a directory`, path);
  }
  return { stream: handle.createReadStream({ encoding: "utf8" }), size: info.size };
}

/**
 * Creates (or truncates) `path` for writing. A later write error (a full disk) is kept on the
 * stream (`errored`) for the writer to throw, rather than crashing the process as an
 * unhandled `'error'` event.
 */
export async function openOutput(path: string): Promise<WriteStream> {
  try {
    const handle = await open(path, "w");
    const stream = handle.createWriteStream();
    stream.on("error", () => {});
    return stream;
  } catch (error) {
    throw fileError(error, path, true);
  }
}

/** Ends the file and waits until it is written; a write error becomes a `FileError`. */
export async function closeOutput(stream: WriteStream, path: string): Promise<void> {
  stream.end();
  try {
    await finished(stream);
  } catch (error) {
    throw fileError(error, path, true);
  }
}
