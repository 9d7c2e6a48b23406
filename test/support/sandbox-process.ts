import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/** `npm start` as a person runs it, with no Slack or AWS configuration, on a free port. */
export interface SandboxProcess {
  url: string;
  output: () => string;
  /** Ctrl-C, to the whole process group (npm, tsx, the sandbox and its moto). */
  stop(): Promise<void>;
}

export async function startSandboxProcess(): Promise<SandboxProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };
  for (const k of Object.keys(env)) if (/^(SLACK_|AWS_|CANARY_|ALERT_|ADMIN_|JOBS_|DETECTION_|POWERTOOLS_)/.test(k)) delete env[k];
  const child: ChildProcess = spawn('npm', ['start', '--silent'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /Sandbox ready: open (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearInterval(timer);
        resolve(m[1]!);
      }
    }, 100);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`npm start exited (${code}) before it was ready:\n${out}`));
    });
  });
  return {
    url,
    output: () => out,
    stop: async () => {
      process.kill(-child.pid!, 'SIGINT');
      await exited;
    },
  };
}
