/**
 * Errors about the files of a run store (the database, run directories, checkpoints): a corrupt,
 * foreign or missing file. The message is one line naming the file; the CLI prints it without a
 * stack trace and exits with status 2.
 */
export class StoreError extends Error {}

/** The errno code (or message) of a file-system error, for one-line messages. */
export function why(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}
