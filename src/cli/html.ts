/**
 * `--html OUT`: the standalone report from src/report. That module reads the built webview bundle,
 * so it is imported only when an HTML file is asked for. OUT is written because the user named
 * it (overwriting it if present); nothing else is written.
 */
import { writeFile } from 'node:fs/promises';
import type { ViewModel } from '../protocol/webview';
import { ReaderError } from '../io/types';

export async function writeHtml(out: string, view: ViewModel, title: string): Promise<void> {
  const { renderStandaloneHtml } = await import('../report');
  const html = await renderStandaloneHtml(view, { title });
  try {
    await writeFile(out, html, 'utf8');
  } catch (e) {
    throw new ReaderError(out, `cannot write the HTML report (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}
