/**
 * Test certificates, made by openssl (installed by .ci/run) into a temporary
 * directory that is removed after: a CA of the tests' own and certificates it
 * signed, one for each way a handshake can be refused; and openssl and socat as
 * TLS servers. Files are written by child processes: the test task grants no
 * write permission.
 *
 * @module
 */

import { LineReader } from "./helpers.ts";

/** The certificates the tests use, by what they are for. */
export type CertName =
  | "good" // localhost, 127.0.0.1 and ::1, signed by the test CA
  | "wrong" // example.com only, signed by the test CA
  | "expired" // localhost, signed by the test CA, valid in January 2020 only
  | "stranger"; // localhost, signed by a CA nobody trusts

/** A CA of the tests' own and the certificates of {@linkcode CertName}. */
export class TestPki implements AsyncDisposable {
  /** The temporary directory. */
  readonly dir: string;
  /** The test CA's certificate, PEM. */
  ca = "";

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Makes the CA and every certificate (a few openssl runs). */
  static async create(): Promise<TestPki> {
    const made = await run("mktemp", ["-d", "-t", "echoprobe-tls-XXXXXX"]);
    const pki = new TestPki(made.trim());
    try {
      await pki.#make();
    } catch (error) {
      await pki[Symbol.asyncDispose]();
      throw error;
    }
    return pki;
  }

  /** The path of a certificate (`.pem`) or its key (`.key`). */
  path(name: CertName | "ca", extension: "pem" | "key"): string {
    return `${this.dir}/${name}.${extension}`;
  }

  /** A certificate's PEM text. */
  cert(name: CertName): string {
    return Deno.readTextFileSync(this.path(name, "pem"));
  }

  /** A key's PEM text. */
  key(name: CertName): string {
    return Deno.readTextFileSync(this.path(name, "key"));
  }

  /** Writes a file into the directory; returns its path. */
  async write(name: string, text: string): Promise<string> {
    const path = `${this.dir}/${name}`;
    await run("sh", ["-c", 'cat > "$0"', path], text);
    return path;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await run("rm", ["-rf", this.dir]);
  }

  async #make(): Promise<void> {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    for (const ca of ["ca", "stranger-ca"]) {
      await openssl(this.dir, [
        "req",
        "-x509",
        ...ec,
        ...["-keyout", `${ca}.key`, "-out", `${ca}.pem`, "-days", "30", "-subj", `/CN=Test ${ca}`],
      ]);
    }
    this.ca = await Deno.readTextFile(this.path("ca", "pem"));
    const localhost = "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1";
    const requests: [CertName, string][] = [
      ["good", localhost],
      ["wrong", "subjectAltName=DNS:example.com"],
      ["expired", localhost],
      ["stranger", localhost],
    ];
    for (const [name, san] of requests) {
      await openssl(this.dir, [
        "req",
        ...ec,
        ...["-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`],
        ...["-addext", san],
      ]);
    }
    await this.write("index.txt", "");
    await this.write("serial", "01\n");
    await this.write("ca.cnf", CA_CONFIG);
    const sign = (name: CertName, ca: string, dates: string[]) =>
      openssl(this.dir, [
        "ca",
        "-batch",
        ...["-config", "ca.cnf", "-cert", `${ca}.pem`, "-keyfile", `${ca}.key`],
        ...["-in", `${name}.csr`, "-out", `${name}.pem`, "-notext", ...dates],
      ]);
    await sign("good", "ca", ["-days", "30"]);
    await sign("wrong", "ca", ["-days", "30"]);
    await sign("expired", "ca", ["-startdate", "20200101000000Z", "-enddate", "20200201000000Z"]);
    await sign("stranger", "stranger-ca", ["-days", "30"]);
  }
}

/** `openssl ca`'s configuration: any subject, the request's extensions copied. */
const CA_CONFIG = `[ca]
default_ca = test
[test]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
`;

async function openssl(dir: string, args: string[]): Promise<void> {
  await run("openssl", args, undefined, dir);
}

/** Runs a program to its end; returns its stdout, or throws with its stderr. */
async function run(program: string, args: string[], stdin?: string, cwd?: string) {
  const child = new Deno.Command(program, {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    ...(cwd ? { cwd } : {}),
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const output = await child.output();
  const decoder = new TextDecoder();
  if (!output.success) {
    throw new Error(`${program} ${args[0]} failed: ${decoder.decode(output.stderr)}`);
  }
  return decoder.decode(output.stdout);
}

/** A TLS server of a program nobody here wrote, on a free loopback port. */
export class ForeignServer implements AsyncDisposable {
  readonly child: Deno.ChildProcess;
  readonly #lines: LineReader;
  readonly #other: Promise<unknown>;
  port = 0;

  /**
   * @param command The program and its arguments; it binds port 0 on 127.0.0.1.
   * @param readyOn Which stream prints the line with the port picked.
   */
  constructor(command: string[], readyOn: "stdout" | "stderr") {
    this.child = new Deno.Command(command[0]!, {
      args: command.slice(1),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const [ready, other] = readyOn === "stdout"
      ? [this.child.stdout, this.child.stderr]
      : [this.child.stderr, this.child.stdout];
    this.#lines = new LineReader(ready);
    this.#other = new Response(other).text();
  }

  /** `openssl s_server -rev`: answers each line with the line reversed. */
  static openssl(cert: string, key: string): Promise<ForeignServer> {
    return new ForeignServer([
      "openssl",
      "s_server",
      "-rev",
      ...["-accept", "127.0.0.1:0", "-cert", cert, "-key", key],
    ], "stdout").ready(/^ACCEPT .*:(\d+)$/);
  }

  /** `socat OPENSSL-LISTEN:0,fork PIPE`: an echo over TLS, a process per connection. */
  static socat(cert: string, key: string): Promise<ForeignServer> {
    return new ForeignServer([
      "socat",
      "-d",
      "-d",
      `OPENSSL-LISTEN:0,bind=127.0.0.1,reuseaddr,fork,cert=${cert},key=${key},verify=0`,
      "PIPE",
    ], "stderr").ready(/listening on .*:(\d+)/);
  }

  /** Waits for the line with the port. */
  async ready(pattern: RegExp): Promise<this> {
    for (let line = await this.#lines.line(); line !== undefined; line = await this.#lines.line()) {
      const port = pattern.exec(line)?.[1];
      if (port) {
        this.port = Number(port);
        return this;
      }
    }
    throw new Error(`${this.child.pid} exited before listening: ${await this.#other}`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.child.kill("SIGTERM");
    } catch (error) {
      if (!(error instanceof TypeError)) throw error; // already exited
    }
    await Promise.all([this.#lines.rest(), this.#other, this.child.status]);
  }
}
