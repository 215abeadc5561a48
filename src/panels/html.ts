/**
 * Puts the webview page into a panel: scripts on, resources only from the extension's dist/ and
 * media/, no retained context (the state survives through vscode.setState instead).
 */
import * as vscode from 'vscode';
import { buildWebviewHtml, makeNonce } from './webviewHtml';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    retainContextWhenHidden: false,
    enableFindWidget: true,
  };
}

export function setupWebview(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, title: string): void {
  const webview = panel.webview;
  webview.options = webviewOptions(extensionUri);
  const page = (cspSource: string): string => buildWebviewHtml({
    cspSource,
    nonce: makeNonce(),
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js')).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'webview.css')).toString(),
    title,
  });
  try {
    webview.html = page(webview.cspSource);
  } catch {
    // VS Code's cspSource is a source list ("'self' https://*.vscode-cdn.net"); a builder that
    // accepts one source only still gets a working page: script and style load by nonce anyway
    const tokens = webview.cspSource.split(/\s+/).filter((t) => /^[^;,'"]+$/.test(t));
    webview.html = page(tokens[tokens.length - 1] ?? 'https://*.vscode-cdn.net');
  }
  panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icons', 'dagr.svg');
}
