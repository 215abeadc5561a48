/**
 * Puts the webview page into a panel: scripts on, resources only from the extension's dist/ and
 * media/, no retained context (the state survives through vscode.setState instead).
 */
import * as vscode from 'vscode';
import { buildWebviewHtml, makeNonce } from '../shared/webviewHtml';

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
  // buildWebviewHtml accepts VS Code's cspSource as the source list it is ("'self' https://*.vscode-cdn.net")
  webview.html = buildWebviewHtml({
    cspSource: webview.cspSource,
    nonce: makeNonce(),
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js')).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'webview.css')).toString(),
    title,
  });
  panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icons', 'dagr.svg');
}
