import { describe, expect, it } from "vitest";
import {
  mainArchiveSource,
  parseDeb822Sources,
  parseOneLineSources,
} from "../../src/server/apt-sources.ts";

const deb822 = `Types: deb
# a comment inside the paragraph
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/archive.gpg

Types: deb-src
URIs: http://mirror.example/debian
Suites: bookworm
Components: main

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 abc
 -----END PGP PUBLIC KEY BLOCK-----

Types: deb
Enabled: no
URIs: http://disabled.example/debian
Suites: sid
Components: main
`;

describe("apt sources", () => {
  it("reads deb822 entries, skipping source, disabled and inline-key details", () => {
    expect(parseDeb822Sources(deb822)).toEqual([
      {
        uri: "http://mirror.example/debian",
        suites: ["bookworm", "bookworm-updates"],
        components: ["main", "contrib"],
        signedBy: "/usr/share/keyrings/archive.gpg",
      },
      {
        uri: "http://mirror.example/debian-security",
        suites: ["bookworm-security"],
        components: ["main"],
      },
    ]);
  });

  it("reads one-line entries with and without options", () => {
    const text = [
      "# deb http://commented.example/debian sid main",
      "deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main",
      "deb-src http://mirror.example/debian bookworm main",
      "deb http://mirror.example/debian-security bookworm-security main # trailing",
    ].join("\n");
    expect(parseOneLineSources(text)).toEqual([
      {
        uri: "http://mirror.example/debian",
        suites: ["bookworm"],
        components: ["main"],
        signedBy: "/k.gpg",
      },
      {
        uri: "http://mirror.example/debian-security",
        suites: ["bookworm-security"],
        components: ["main"],
      },
    ]);
  });

  it("picks the main archive, not the security or updates entries", () => {
    const sources = parseOneLineSources(
      [
        "deb http://mirror.example/debian-security bookworm-security main",
        "deb http://mirror.example/debian bookworm-updates main",
        "deb http://mirror.example/debian bookworm main",
      ].join("\n"),
    );
    expect(mainArchiveSource(sources)?.suites).toEqual(["bookworm"]);
    expect(mainArchiveSource(sources.slice(0, 2))).toBeUndefined();
  });
});
