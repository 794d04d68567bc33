import process from "node:process";

/** The signals memmap-cp turns into an abort, with their numbers (the same on Linux and macOS). */
const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
type InterruptSignal = keyof typeof SIGNAL_NUMBERS;

/**
 * memmap-cp's handlers for SIGINT, SIGTERM and SIGHUP, installed for one copy: the first signal
 * aborts it (copyFile then finishes the window or slice in flight and removes the partial copy), later
 * ones are ignored, so that a second Ctrl-C cannot kill the process while a window is being written.
 * Only the CLI installs these: it is the application; the library never does.
 */
export class Interrupt {
  readonly controller = new AbortController();
  /** The signal that came, if one did. */
  caught: InterruptSignal | undefined;
  readonly #names: InterruptSignal[];
  readonly #listener = (name: InterruptSignal) => {
    if (this.caught) return;
    this.caught = name;
    this.controller.abort();
  };

  constructor() {
    // Windows has SIGINT (Ctrl-C) only; Deno refuses listeners for the others there.
    this.#names = process.platform === "win32" ? ["SIGINT"] : (Object.keys(SIGNAL_NUMBERS) as InterruptSignal[]);
    for (const name of this.#names) process.on(name, this.#listener);
  }

  /** 128 + the signal's number, as a shell reports a command a signal ended (130 for SIGINT). */
  get exitCode(): number {
    return this.caught ? 128 + SIGNAL_NUMBERS[this.caught] : 0;
  }

  /** Removes the handlers: a signal from here on has its default effect. */
  remove(): void {
    for (const name of this.#names) process.off(name, this.#listener);
  }
}
