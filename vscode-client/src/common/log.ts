/**
 * The "Plan LSP" output channel: the extension's and the server's log in one place. The
 * protocol trace follows its log level (vscode-languageclient does this for a log channel): at
 * Trace it shows the messages, with their contents when `planLsp.trace.server` is "verbose".
 */
import * as vscode from "vscode";

export const CHANNEL_NAME = "Plan LSP";

let channel: vscode.LogOutputChannel | undefined;

export function createLog(context: vscode.ExtensionContext): vscode.LogOutputChannel {
  channel = vscode.window.createOutputChannel(CHANNEL_NAME, { log: true });
  context.subscriptions.push(channel);
  return channel;
}

export function log(): vscode.LogOutputChannel {
  if (!channel) {
    throw new Error("the log is created in activate()");
  }
  return channel;
}
