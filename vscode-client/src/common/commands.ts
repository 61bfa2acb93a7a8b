/** The "Plan: …" commands. */
import * as vscode from "vscode";

import { findFields, nextField, planFileName } from "./fields";
import { NoServerError, type PlanServer } from "./server";

export function registerCommands(context: vscode.ExtensionContext, server: PlanServer, log: vscode.LogOutputChannel): void {
  const register = (id: string, run: () => Promise<void> | void): void => {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async () => {
        try {
          await run();
        } catch (error) {
          reportError(id, error, log);
        }
      }),
    );
  };
  register("planLsp.newPlan", () => newPlan(server));
  register("planLsp.insertTemplate", () => insertTemplate(server));
  register("planLsp.nextField", () => {
    jumpToField("next");
  });
  register("planLsp.previousField", () => {
    jumpToField("previous");
  });
  register("planLsp.restart", () => server.restart("asked by the user"));
  register("planLsp.showLog", () => {
    log.show();
  });
}

function reportError(id: string, error: unknown, log: vscode.LogOutputChannel): void {
  const message = error instanceof Error ? error.message : String(error);
  log.error(`${id}: ${message}`);
  const actions = error instanceof NoServerError ? ["Show Log"] : [];
  void vscode.window.showErrorMessage(`Plan LSP: ${message}`, ...actions).then((choice) => {
    if (choice === "Show Log") {
      log.show();
    }
  });
}

/** "Plan: New Implementation Plan": name → folder → `<slug>-plan.md`, scaffolded, saved. */
async function newPlan(server: PlanServer): Promise<void> {
  await server.ensureRunning(); // before asking anything: without a server there is no template
  const feature = await vscode.window.showInputBox({
    title: "New Implementation Plan",
    prompt: "The feature this plan implements",
    placeHolder: "e.g. User Login",
    ignoreFocusOut: true,
    validateInput: (value) =>
      planFileName(value) ? undefined : "Type a name with at least one letter or digit",
  });
  const fileName = feature === undefined ? undefined : planFileName(feature);
  if (!feature || !fileName) {
    return;
  }
  const folder = await pickFolder(fileName);
  if (!folder) {
    return;
  }
  const uri = vscode.Uri.joinPath(folder, fileName);
  if (await exists(uri)) {
    const choice = await vscode.window.showWarningMessage(`${fileName} already exists in ${folder.fsPath}.`, "Open It");
    if (choice === "Open It") {
      await vscode.window.showTextDocument(uri);
    }
    return;
  }
  await vscode.workspace.fs.writeFile(uri, new Uint8Array());
  const editor = await vscode.window.showTextDocument(uri);
  await scaffoldInto(server, editor, { feature: feature.trim() });
  await editor.document.save();
}

/** "Plan: Insert Template": the template into the active, empty editor. */
async function insertTemplate(server: PlanServer): Promise<void> {
  await server.ensureRunning();
  let editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage("Plan: Insert Template needs an open, empty editor.");
    return;
  }
  if (editor.document.getText().trim() !== "") {
    void vscode.window.showInformationMessage(
      "Plan: Insert Template writes into an empty editor, and this one has text. " +
        'Open an empty Markdown file, or use "Plan: New Implementation Plan".',
    );
    return;
  }
  if (editor.document.languageId !== "markdown") {
    const doc = await vscode.languages.setTextDocumentLanguage(editor.document, "markdown");
    editor = await vscode.window.showTextDocument(doc);
  }
  await scaffoldInto(server, editor, {});
}

async function scaffoldInto(
  server: PlanServer,
  editor: vscode.TextEditor,
  extra: Record<string, unknown>,
): Promise<void> {
  const result = await server.scaffold({ uri: server.protocolUri(editor.document.uri), ...extra });
  if (result && result.applied === false) {
    throw new Error(`the template was not inserted: ${result.failureReason ?? "the edit was refused"}`);
  }
  selectField(editor, "next", true);
}

/** "Plan: Next/Previous Unresolved Field": select the next `<<…>>`, wrapping around. */
function jumpToField(direction: "next" | "previous"): void {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    return;
  }
  if (!selectField(editor, direction, false)) {
    vscode.window.setStatusBarMessage("$(check) No unresolved <<fields>> left", 3000);
  }
}

function selectField(editor: vscode.TextEditor, direction: "next" | "previous", fromTop: boolean): boolean {
  const doc = editor.document;
  const fields = findFields(doc.getText());
  const start = fromTop ? 0 : doc.offsetAt(editor.selection.start);
  const end = fromTop ? 0 : doc.offsetAt(editor.selection.end);
  const field = nextField(fields, start, end, direction);
  if (!field) {
    return false;
  }
  const selection = new vscode.Selection(doc.positionAt(field.start), doc.positionAt(field.end));
  editor.selection = selection;
  editor.revealRange(selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return true;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

interface FolderPick extends vscode.QuickPickItem {
  uri?: vscode.Uri;
}

/** Offers likely folders: `plans/` of each workspace folder, the active file's, the roots. */
async function pickFolder(fileName: string): Promise<vscode.Uri | undefined> {
  const seen = new Set<string>();
  const items: FolderPick[] = [];
  const add = async (uri: vscode.Uri | undefined, why: string): Promise<void> => {
    if (!uri || seen.has(uri.toString())) {
      return;
    }
    try {
      const stat = await vscode.workspace.fs.stat(uri);
      if (!(stat.type & vscode.FileType.Directory)) {
        return;
      }
    } catch {
      return;
    }
    seen.add(uri.toString());
    items.push({ label: `$(folder) ${vscode.workspace.asRelativePath(uri, true) || uri.fsPath}`, description: why, uri });
  };
  const roots = vscode.workspace.workspaceFolders ?? [];
  for (const root of roots) {
    await add(vscode.Uri.joinPath(root.uri, "plans"), "plans folder");
  }
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active?.scheme === "file") {
    await add(vscode.Uri.joinPath(active, ".."), "the current file's folder");
  }
  for (const root of roots) {
    await add(root.uri, "workspace folder");
  }
  const browse: FolderPick = { label: "$(folder-opened) Choose another folder…" };
  if (items.length === 0) {
    return browseFolder();
  }
  const picked = await vscode.window.showQuickPick([...items, browse], {
    title: `Where to create ${fileName}`,
    placeHolder: "Folder for the new plan",
    ignoreFocusOut: true,
  });
  if (!picked) {
    return undefined;
  }
  return picked.uri ?? browseFolder();
}

async function browseFolder(): Promise<vscode.Uri | undefined> {
  const chosen = await vscode.window.showOpenDialog({
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    openLabel: "Create the plan here",
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  return chosen?.[0];
}
