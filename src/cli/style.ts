/**
 * Colour only for people: a terminal that has not asked for NO_COLOR. Pipes, files and
 * tests always get plain text.
 */
import { styleText } from "node:util";

type Format = Parameters<typeof styleText>[0];

export type Styler = (format: Format, text: string) => string;

export function stylerFor(stream: { isTTY?: boolean }): Styler {
  const colour =
    stream.isTTY === true && process.env.NO_COLOR === undefined && process.env.TERM !== "dumb";
  return colour ? (format, text) => styleText(format, text) : (_format, text) => text;
}
