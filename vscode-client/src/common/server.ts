/**
 * Starting, restarting and talking to the language server.
 *
 * The server is the bundled `plan_lsp` (bundled/libs), run by a Python >= 3.11 found as
 * src/common/interpreter.ts says, or the command in `planLsp.server.command`. A server that
 * exits is restarted, at most 5 times in 3 minutes, and the log says why it stopped.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as os from "node:os";
import * as readline from "node:readline";
import type { Readable } from "node:stream";
import * as vscode from "vscode";
import {
  CloseAction,
  DidChangeConfigurationNotification,
  ErrorAction,
  ExecuteCommandRequest,
  LanguageClient,
  RevealOutputChannelOn,
  State,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";

import {
  candidates,
  chooseServer,
  describeSource,
  MINIMUM_PYTHON,
  type Probe,
  type ServerCommand,
} from "./interpreter";
import { PLANS_CHANGED, PLANS_METHOD } from "./plans";
import { onInterpreterChange, probe, selectedInterpreter } from "./python";
import { RestartPolicy } from "./restarts";
import { stderrLevel } from "./serverLog";
import { SECTION, serverCommand, serverSettings, wrap, type Places } from "./settings";
import { STATUS_METHOD } from "./status";

export const DOCUMENTS = [
  { scheme: "file", language: "markdown" },
  { scheme: "untitled", language: "markdown" },
];

/** Thrown by requests when no server runs (no Python, or it was stopped). */
export class NoServerError extends Error {}

export class PlanServer implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly crashes = new RestartPolicy(5, 3 * 60 * 1000);
  private queue: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  /** How the newest server process ended (resolves when it has). */
  private exited: Promise<string> = Promise.resolve("did not start");
  private notified = false;
  /** When the extension activated, until the first diagnostics arrive (then undefined). */
  private activatedAt: number | undefined = Date.now();
  /** When the extension activated (for the start-up timings in the log). */
  private readonly activated = Date.now();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly subscriptions: { dispose(): unknown }[] = [];

  /** Fires when the server starts or stops. */
  readonly onDidChangeState = this.changed.event;
  private readonly plansChanged = new vscode.EventEmitter<void>();
  /** Fires when the server says its list of plans changed (`planLsp/plansChanged`). */
  readonly onDidChangePlans = this.plansChanged.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(
      this.changed,
      this.plansChanged,
      vscode.workspace.onDidChangeConfiguration((e) => {
        this.configurationChanged(e);
      }),
    );
    void onInterpreterChange(() => {
      if (serverCommand((key) => this.config().get(key)).length === 0) {
        void this.restart("the Python extension's interpreter changed");
      }
    }).then((disposable) => disposable && this.subscriptions.push(disposable));
  }

  /** Starts the server (again), after any start or stop already asked for; coalesces requests. */
  restart(reason: string): Promise<void> {
    if (this.queued) {
      return this.queued;
    }
    const run = this.queue.then(async () => {
      this.queued = undefined;
      await this.stopClient();
      this.crashes.reset();
      this.notified = false;
      await this.startClient(reason);
    });
    this.queued = run;
    this.queue = run.catch(() => undefined);
    return run;
  }

  get running(): boolean {
    return this.client?.isRunning() ?? false;
  }

  /** `plan.scaffold` through `workspace/executeCommand`; the server applies the edit. */
  async scaffold(argument: Record<string, unknown>): Promise<{ applied?: boolean; failureReason?: string }> {
    const client = await this.ready();
    return (await client.sendRequest(ExecuteCommandRequest.type, {
      command: "plan.scaffold",
      arguments: [argument],
    })) as { applied?: boolean; failureReason?: string };
  }

  /** `planLsp/status` for a document (null: not a plan, or not open in the server). */
  async status(uri: vscode.Uri): Promise<unknown> {
    const client = this.client;
    if (!client?.isRunning()) {
      return null;
    }
    return client.sendRequest(STATUS_METHOD, {
      textDocument: { uri: client.code2ProtocolConverter.asUri(uri) },
    });
  }

  /** `planLsp/plans`: every plan of the workspace (null when no server runs). */
  async plans(): Promise<unknown> {
    const client = this.client;
    if (!client?.isRunning()) {
      return null;
    }
    return client.sendRequest(PLANS_METHOD, {});
  }

  /** The URI as the server knows it. */
  protocolUri(uri: vscode.Uri): string {
    return this.client?.code2ProtocolConverter.asUri(uri) ?? uri.toString();
  }

  async dispose(): Promise<void> {
    for (const d of this.subscriptions) {
      d.dispose();
    }
    await this.queue;
    await this.stopClient();
  }

  /** Waits for any start under way; throws NoServerError when no server runs then. */
  async ensureRunning(): Promise<void> {
    await this.ready();
  }

  /** Logs, once, how long after activation the first diagnostics came (pushed or pulled). */
  private firstDiagnostics(count: number): void {
    if (count > 0 && this.activatedAt !== undefined) {
      this.log.info(`First diagnostics ${String(Date.now() - this.activatedAt)} ms after activation`);
      this.activatedAt = undefined;
    }
  }

  private sinceActivation(): string {
    return `${String(Date.now() - this.activated)} ms after activation`;
  }

  private async ready(): Promise<LanguageClient> {
    await this.queue;
    if (!this.client?.isRunning()) {
      throw new NoServerError("the plan-lsp server is not running (the \"Plan LSP\" output says why)");
    }
    return this.client;
  }

  private config(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SECTION, vscode.workspace.workspaceFolders?.[0]?.uri);
  }

  private places(): Places {
    return { workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, userHome: os.homedir() };
  }

  /** What the server is sent: the `planLsp.*` settings it reads. */
  settings(): Record<string, unknown> {
    const config = this.config();
    return serverSettings((key) => config.get(key), this.places());
  }

  private configurationChanged(e: vscode.ConfigurationChangeEvent): void {
    if (e.affectsConfiguration(`${SECTION}.server`)) {
      void this.restart("planLsp.server.command changed");
    } else if (e.affectsConfiguration(SECTION) && this.client?.isRunning()) {
      const settings = this.settings();
      this.log.info(`Settings changed; sending them to the server: ${JSON.stringify(settings)}`);
      void this.client.sendNotification(DidChangeConfigurationNotification.type, { settings: wrap(settings) });
    }
  }

  /**
   * The server to run, and perhaps its process already started: each interpreter is started on
   * the bundled server while it is probed (the server spends its first few hundred
   * milliseconds importing, the probe its own Python start-up; the launcher refuses a Python
   * that is too old by itself). The process of the interpreter chosen is kept, the others are
   * stopped.
   */
  private async findServer(cwd: string | undefined): Promise<{ server: ServerCommand; early?: Launched } | undefined> {
    const setting = serverCommand((key) => this.config().get(key), this.places());
    const fromPython = setting.length > 0 ? undefined : await selectedInterpreter(vscode.workspace.workspaceFolders?.[0]?.uri);
    if (fromPython) {
      this.log.info(`The Python extension's interpreter: ${fromPython.join(" ")}`);
    }
    const tried = candidates(setting, fromPython, process.platform);
    const launcher = this.context.asAbsolutePath("bundled/tool/lsp_server.py");
    const started: Launched[] = [];
    const probeAndStart: Probe = (command) => {
      const [program, ...options] = command;
      if (program) {
        started.push(launch(program, [...options, "-I", launcher], cwd));
      }
      return probe(command);
    };
    const choice = await chooseServer(tried, launcher, probeAndStart);
    for (const note of choice.notes) {
      this.log.warn(note);
    }
    const chosen = choice.ok ? choice.server : undefined;
    const early = chosen
      ? started.find((p) => p.command === chosen.command && sameArgs(p.args, chosen.args))
      : undefined;
    for (const other of started) {
      if (other !== early) {
        other.child.kill();
      }
    }
    if (chosen) {
      return { server: chosen, early };
    }
    this.log.error(
      `No Python ${MINIMUM_PYTHON.join(".")} or newer found (tried: ${tried
        .map((c) => `${c.command.join(" ")} from ${describeSource(c.source)}`)
        .join("; ")}); the server is not started.`,
    );
    this.notifyNoPython(setting.length > 0);
    return undefined;
  }

  private notifyNoPython(fromSetting: boolean): void {
    if (this.notified) {
      return;
    }
    this.notified = true;
    const needed = `Python ${MINIMUM_PYTHON.join(".")} or newer`;
    const message = fromSetting
      ? `Plan LSP: the interpreter in "planLsp.server.command" is not ${needed}. Set it to one, or clear it to use python3 from PATH.`
      : `Plan LSP needs ${needed} to run its language server and found none. Install ${needed} (python.org or your package manager), or set "planLsp.server.command" to one.`;
    void vscode.window.showErrorMessage(message, "Open Setting", "Show Log").then((choice) => {
      if (choice === "Open Setting") {
        void vscode.commands.executeCommand("workbench.action.openSettings", "planLsp.server.command");
      } else if (choice === "Show Log") {
        this.log.show();
      }
    });
  }

  private async startClient(reason: string): Promise<void> {
    this.log.info(`Starting the server (${reason})`);
    const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const found = await this.findServer(cwd);
    this.log.info(`Interpreter chosen, ${this.sinceActivation()}`);
    if (!found) {
      this.changed.fire();
      return;
    }
    const server = found.server;
    let early = found.early;
    const where = server.python
      ? `Python ${server.python.version.join(".")} at ${server.python.executable}, from ${describeSource(server.source)}`
      : `from ${describeSource(server.source)}`;
    this.log.info(`Server command: ${[server.command, ...server.args].join(" ")} (${where})`);

    const serverOptions: ServerOptions = () => {
      // The first start takes the process started while probing; a restart starts a new one.
      const launched = early ?? launch(server.command, server.args, cwd);
      early = undefined;
      const child = launched.child;
      this.log.info(`Server process ${String(child.pid)} started, ${this.sinceActivation()}`);
      this.exited = launched.exited.then((how) => {
        this.log.info(`Server process ${String(child.pid)} ${how}`);
        return how;
      });
      return Promise.resolve(child);
    };

    const lines = (input: Readable, write: (line: string) => void): void => {
      readline.createInterface({ input, crlfDelay: Infinity, terminal: false }).on("line", write);
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: DOCUMENTS,
      stdioOptions: {
        stdout: (input, channel) => {
          lines(input, (line) => {
            channel.info(line);
          });
        },
        // Python's logging lines at their own level (pygls warns as it shuts down), the rest as errors.
        stderr: (input, channel) => {
          lines(input, (line) => {
            channel[stderrLevel(line)](line);
          });
        },
      },
      outputChannel: this.log,
      traceOutputChannel: this.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: () => wrap(this.settings()),
      middleware: {
        // The first squiggle's delay, from the extension's activation (a first run compiles nothing
        // of the bundle: its bytecode ships in the .vsix); the e2e reads this line.
        handleDiagnostics: (uri, diagnostics, next) => {
          this.firstDiagnostics(diagnostics.length);
          next(uri, diagnostics);
        },
        provideDiagnostics: async (document, previousResultId, token, next) => {
          const report = await next(document, previousResultId, token);
          this.firstDiagnostics(report && "items" in report ? report.items.length : 0);
          return report;
        },
        workspace: {
          // Answer with the same expanded settings as initializationOptions.
          configuration: async (params, token, next) => {
            const answers = await next(params, token);
            if (!Array.isArray(answers)) {
              return answers;
            }
            const given: unknown[] = answers;
            return params.items.map((item, i): unknown => (item.section === SECTION ? this.settings() : given[i]));
          },
        },
      },
      errorHandler: {
        error: (_error, _message, count) => ({
          action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown,
          handled: true,
        }),
        closed: async () => {
          // The connection closes first; the exit status follows (give it a second).
          const why = await Promise.race([
            this.exited,
            new Promise<string>((resolve) => {
              setTimeout(() => {
                resolve("closed the connection");
              }, 1000);
            }),
          ]);
          if (this.client !== client) {
            return { action: CloseAction.DoNotRestart, handled: true }; // replaced or stopped
          }
          const { restart, count } = this.crashes.crashed(Date.now());
          if (restart) {
            this.log.warn(
              `The server ${why}; restarting it (restart ${count} of ${this.crashes.limit} allowed in 3 minutes).`,
            );
            return { action: CloseAction.Restart, handled: true };
          }
          this.log.error(
            `The server ${why}, its ${count}th exit in 3 minutes: it is not restarted again. ` +
              `Fix what the log above shows, then run "Plan: Restart Server".`,
          );
          void vscode.window
            .showErrorMessage("Plan LSP: the server keeps stopping and was not restarted.", "Show Log", "Restart")
            .then((choice) => {
              if (choice === "Show Log") {
                this.log.show();
              } else if (choice === "Restart") {
                void this.restart("asked after crashes");
              }
            });
          this.changed.fire();
          return { action: CloseAction.DoNotRestart, handled: true };
        },
      },
    };

    const client = new LanguageClient("planLsp", "Plan LSP", serverOptions, clientOptions);
    this.client = client;
    client.onNotification(PLANS_CHANGED, () => {
      if (this.client === client) {
        this.plansChanged.fire();
      }
    });
    try {
      await client.start();
      const info = client.initializeResult?.serverInfo;
      const name = info ? `${info.name} ${info.version ?? ""}`.trim() : "plan-lsp";
      this.log.info(`Server ready: ${name}, ${this.sinceActivation()}`);
    } catch (error) {
      this.log.error(`The server did not start: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.changed.fire();
  }

  private async stopClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) {
      return;
    }
    if (client.state === State.Starting || client.state === State.Running) {
      // Let a start under way (perhaps the client restarting itself after a crash) finish first:
      // stopped halfway, the client would register its commands after its own clean-up and
      // clash with the next one. start() returns the start under way, it starts nothing new.
      await Promise.race([
        client.start().catch(() => undefined),
        new Promise<void>((resolve) => {
          setTimeout(resolve, 15_000);
        }),
      ]);
    }
    try {
      if (client.needsStop()) {
        await client.stop(2000);
      }
    } catch (error) {
      this.log.warn(`Stopping the server: ${String(error)}`);
    }
    this.changed.fire();
  }
}

/** A server process, and how it ended (resolves when it has). */
interface Launched {
  command: string;
  args: string[];
  child: ChildProcess;
  exited: Promise<string>;
}

function launch(command: string, args: string[], cwd: string | undefined): Launched {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, PYTHONIOENCODING: "utf-8" },
    windowsHide: true,
  });
  // Listened to at once: a process that fails before it is used must not go unheard.
  const exited = new Promise<string>((resolve) => {
    child.on("error", (error) => {
      resolve(`could not be started: ${error.message}`);
    });
    child.on("exit", (code, signal) => {
      resolve(signal ? `was killed by ${signal}` : `exited with code ${String(code)}`);
    });
  });
  return { command, args, child, exited };
}

function sameArgs(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
