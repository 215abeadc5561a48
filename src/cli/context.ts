/** What every command gets from main: output, cancellation, and the file an error line should name. */
export interface CommandContext {
  print(text: string): void;
  signal: AbortSignal;
  /** the file the command is working on, for errors that do not name one themselves */
  currentFile?: string;
}
