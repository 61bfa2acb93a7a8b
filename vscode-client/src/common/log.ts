/** The "Plan LSP" output channel: the extension's and the server's log in one place. */
import * as vscode from "vscode";
import { Trace } from "vscode-languageclient/node";

import { traceFor } from "./restarts";

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

/** The protocol trace for the channel's level: Trace → verbose, Debug → messages, else off. */
export function traceLevel(level: vscode.LogLevel): Trace {
  switch (traceFor(level)) {
    case "verbose":
      return Trace.Verbose;
    case "messages":
      return Trace.Messages;
    default:
      return Trace.Off;
  }
}
