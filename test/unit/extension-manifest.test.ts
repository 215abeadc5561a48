// package.json and the code must agree: every command the code registers is contributed (and
// the reverse), menus name real commands, every dagr.* setting the code reads is declared, and
// the custom editor is the default for the checkpoint types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  main: string;
  extensionKind: string[];
  activationEvents: string[];
  capabilities: { untrustedWorkspaces: { supported: unknown } };
  contributes: {
    commands: { command: string; title: string; category: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    customEditors: { viewType: string; selector: { filenamePattern: string }[]; priority: string }[];
    configuration: { properties: Record<string, { default: unknown }> };
  };
};
const src = (f: string): string => readFileSync(join(root, 'src', f), 'utf8');

void test('registered commands and contributed commands are the same set, all in category DAGR', () => {
  const registered = [...src('commands/index.ts').matchAll(/'(dagr\.[A-Za-z]+)':/g)].map((m) => m[1]).sort();
  const contributed = pkg.contributes.commands.map((c) => c.command).sort();
  assert.deepEqual(registered, contributed);
  for (const c of pkg.contributes.commands) assert.equal(c.category, 'DAGR', c.command);
});

void test('menus only name contributed commands', () => {
  const ids = new Set(pkg.contributes.commands.map((c) => c.command));
  for (const [menu, items] of Object.entries(pkg.contributes.menus)) {
    for (const i of items) assert.ok(ids.has(i.command), `${menu}: ${i.command}`);
  }
});

void test('every dagr.* setting the code reads is declared with a default', () => {
  const code = src('settings/config.ts');
  const keys = new Set(
    [...code.matchAll(/\(cfg, '([\w.]+)'/g), ...code.matchAll(/cfg\.get<\w+>\('([\w.]+)'\)/g)].map((m) => `dagr.${m[1]}`),
  );
  assert.ok(keys.size >= 13, `found ${keys.size} keys`);
  for (const k of keys) assert.ok(k in pkg.contributes.configuration.properties, k);
  for (const [k, v] of Object.entries(pkg.contributes.configuration.properties)) assert.notEqual(v.default, undefined, k);
});

void test('the geometry editor is the default for .safetensors, .npz, .npy, .pt, .pth, .ckpt and .parquet (never .bin)', () => {
  const ed = pkg.contributes.customEditors.find((e) => e.viewType === 'dagr.geometry');
  assert.ok(ed);
  assert.equal(ed.priority, 'default');
  // a .bin that is not a PyTorch file must open in the normal editor, so .bin is not claimed
  assert.deepEqual(ed.selector.map((s) => s.filenamePattern).sort(), [
    '*.ckpt',
    '*.npy',
    '*.npz',
    '*.parquet',
    '*.pt',
    '*.pth',
    '*.safetensors',
  ]);
  assert.match(src('panels/services.ts'), /GEOMETRY_EDITOR = 'dagr\.geometry'/);
});

void test('Inspect, Compare and Start Fine-Tuning are offered on every checkpoint extension, .bin and .parquet included', () => {
  const menu = pkg.contributes.menus['explorer/context'] ?? [];
  for (const command of ['dagr.inspectCheckpoint', 'dagr.compareCheckpoints', 'dagr.startFineTuning']) {
    const item = menu.find((m) => m.command === command);
    assert.ok(item?.when, command);
    const m = /resourceExtname =~ \/(.+?)\/(?: |$)/.exec(item.when);
    assert.ok(m, `${command}: ${item.when}`);
    const re = new RegExp(m[1] as string);
    for (const ext of ['safetensors', 'npz', 'npy', 'json', 'pt', 'pth', 'bin', 'ckpt', 'parquet'])
      assert.ok(re.test(`.${ext}`), `${command} on .${ext}`);
    assert.ok(!re.test('.txt') && !re.test('.parquet.bak'), command);
  }
});

void test('runs next to the data, works in restricted mode, entry is the bundle', () => {
  assert.deepEqual(pkg.extensionKind, ['workspace']);
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.equal(pkg.main, './dist/extension.js');
  // activation comes from contributions (commands, custom editor, serializer): nothing eager
  assert.ok(!pkg.activationEvents.includes('*'));
  // panels restored after a reload need the serializer before anything else activates the extension
  assert.ok(pkg.activationEvents.includes('onWebviewPanel:dagr.panel'));
});
