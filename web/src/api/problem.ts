import { ApiError } from './client';

export interface ProblemTexts {
  /** No answer from the server (offline, or the server is down). */
  network: string;
  /** An answer without a problem body. */
  unexpected: string;
}

/**
 * The text to show for a failed request, in the user's language: the problem's detail (the server
 * writes it in the user's language, else the Accept-Language the client sends) followed by the
 * message of each invalid field; the interface's own texts when there was no problem to show.
 */
export function problemText(error: unknown, texts: ProblemTexts): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return texts.network;
    const problem = error.problem;
    if (!problem) return texts.unexpected;
    const fields = (problem.errors ?? []).map((e) => e.message).filter((m) => m && m !== problem.detail);
    return fields.length ? `${problem.detail} (${fields.join('; ')})` : problem.detail;
  }
  return texts.unexpected;
}

/** The problem's machine-readable type (e.g. "urn:…:freezer-has-history"), when there is one. */
export function problemType(error: unknown): string | undefined {
  return error instanceof ApiError ? error.problem?.type : undefined;
}
