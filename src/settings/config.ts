/**
 * The dagr.* settings, read fresh on every use so a change applies without a reload.
 * Values outside their range fall back to the defaults of the report contract.
 */
import * as vscode from 'vscode';
import { DEFAULT_MAX_PAIRS, DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } from '../protocol/report';
import type { ReportOptions, WarningThresholds } from '../protocol/report';
import type { EngineChoice } from '../protocol/messages';
import type { DeviceChoice } from '../protocol/jobs';

export const SECTION = 'dagr';

export interface DagrSettings {
  options: ReportOptions;
  thresholds: WarningThresholds;
  engine: EngineChoice;
  device: DeviceChoice;
  maxPointsPlotted: number;
  notifications: boolean;
}

function num(cfg: vscode.WorkspaceConfiguration, key: string, fallback: number, ok: (v: number) => boolean): number {
  const v = cfg.get<unknown>(key);
  return typeof v === 'number' && Number.isFinite(v) && ok(v) ? v : fallback;
}

export function readSettings(scope?: vscode.Uri): DagrSettings {
  const cfg = vscode.workspace.getConfiguration(SECTION, scope);
  const pos = (v: number): boolean => v > 0;
  const frac = (v: number): boolean => v >= 0 && v <= 1;
  const hinge = cfg.get<string>('hinge');
  const pairs = cfg.get<string>('pairs');
  const engine = cfg.get<string>('engine');
  return {
    options: {
      tau: num(cfg, 'tau', DEFAULT_OPTIONS.tau, (v) => v >= 0 && v <= 4),
      t: num(cfg, 't', DEFAULT_OPTIONS.t, pos),
      hinge: hinge === 'squared' ? 'squared' : 'linear',
      pairs: pairs === 'all' ? 'all' : 'offdiag',
      maxPairwiseRows: Math.floor(num(cfg, 'maxPairwiseRows', DEFAULT_OPTIONS.maxPairwiseRows, (v) => v >= 0)),
      maxPairs: Math.floor(num(cfg, 'maxPairs', DEFAULT_MAX_PAIRS, (v) => v >= 0)),
    },
    thresholds: {
      dimensionalCollapse: num(cfg, 'thresholds.dimensionalCollapse', DEFAULT_THRESHOLDS.dimensionalCollapse, frac),
      completeCollapse: num(cfg, 'thresholds.completeCollapse', DEFAULT_THRESHOLDS.completeCollapse, (v) => v >= -1 && v <= 1),
      excessDrift: num(cfg, 'thresholds.excessDrift', DEFAULT_THRESHOLDS.excessDrift, frac),
      deadDimensions: num(cfg, 'thresholds.deadDimensions', DEFAULT_THRESHOLDS.deadDimensions, frac),
      deadVariance: DEFAULT_THRESHOLDS.deadVariance,
      modalityGap: num(cfg, 'thresholds.modalityGap', DEFAULT_THRESHOLDS.modalityGap, (v) => v >= 0 && v <= 2),
      classCollapse: num(cfg, 'thresholds.classCollapse', DEFAULT_THRESHOLDS.classCollapse ?? 0.25, frac),
    },
    engine: engine === 'js' || engine === 'tfjs' || engine === 'onnxruntime' || engine === 'wasm' ? engine : 'auto',
    device: (['cpu', 'cuda', 'webgpu'] as const).find((d) => d === cfg.get<string>('device')) ?? 'auto',
    maxPointsPlotted: Math.floor(num(cfg, 'maxPointsPlotted', 2000, pos)),
    notifications: cfg.get<boolean>('notifications') !== false,
  };
}

/** Settings whose change needs the numbers recomputed (not only the warnings re-evaluated). */
export function affectsMetrics(e: vscode.ConfigurationChangeEvent): boolean {
  return ['tau', 't', 'hinge', 'pairs', 'maxPairwiseRows', 'maxPairs', 'engine', 'device', 'maxPointsPlotted'].some((k) =>
    e.affectsConfiguration(`${SECTION}.${k}`),
  );
}

export function affectsWarnings(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration(`${SECTION}.thresholds`) || e.affectsConfiguration(`${SECTION}.notifications`);
}
