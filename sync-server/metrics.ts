/**
 * A tiny Prometheus registry (text exposition format 0.0.4). Small on purpose: a handful of counters and gauges do
 * not justify a dependency. The push handler increments `metrics.pushes`, `metrics.eventsApplied`, ... directly.
 *
 * Label sets are bounded here as a last line of defence (the routes bound what they put in: enrolled station ids,
 * at most 32 devices per station): a label value is cut to MAX_LABEL_LENGTH and a metric keeps at most
 * `maxSeries` label sets; a new one beyond that is dropped and counted in qsf_metric_series_dropped_total, so a bug
 * or an attacker can never grow /metrics (and the server's memory) without bound.
 */
export type Labels = Record<string, string>;

export const MAX_LABEL_LENGTH = 64;
export const DEFAULT_MAX_SERIES = 5_000;

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Label values as stored: at most MAX_LABEL_LENGTH code points (cut between code points, never inside a pair). */
function boundLabels(labels: Labels | undefined): Labels {
  const out: Labels = {};
  if (!labels) return out;
  for (const k of Object.keys(labels).sort()) {
    const v = String(labels[k]);
    out[k] = v.length <= MAX_LABEL_LENGTH ? v : Array.from(v).slice(0, MAX_LABEL_LENGTH).join('');
  }
  return out;
}

function labelKey(labels: Labels): string {
  const parts = Object.keys(labels).map((k) => `${k}="${escapeLabel(labels[k] ?? '')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

interface Series {
  labels: Labels;
  value: number;
}

abstract class Metric {
  private readonly values = new Map<string, Series>();
  abstract readonly type: 'counter' | 'gauge';
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly maxSeries: number = DEFAULT_MAX_SERIES,
    private readonly onDropped?: () => void,
  ) {}

  get(labels?: Labels): number {
    return this.values.get(labelKey(boundLabels(labels)))?.value ?? 0;
  }

  /** Every label set with its value (copies). */
  series(): Series[] {
    return [...this.values.values()].map((s) => ({ labels: { ...s.labels }, value: s.value }));
  }

  protected update(labels: Labels | undefined, next: (current: number) => number): void {
    const bounded = boundLabels(labels);
    const key = labelKey(bounded);
    const existing = this.values.get(key);
    if (existing) {
      existing.value = next(existing.value);
      return;
    }
    if (this.values.size >= this.maxSeries) {
      this.onDropped?.();
      return;
    }
    this.values.set(key, { labels: bounded, value: next(0) });
  }

  delete(labels?: Labels): void {
    this.values.delete(labelKey(boundLabels(labels)));
  }

  /** Removes every label set `pred` picks (e.g. a station's devices that its last heartbeat no longer lists). */
  deleteWhere(pred: (labels: Readonly<Labels>) => boolean): void {
    for (const [key, s] of this.values) if (pred(s.labels)) this.values.delete(key);
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const [key, s] of this.values) lines.push(`${this.name}${key} ${s.value}`);
    return lines.join('\n');
  }
}

export class Counter extends Metric {
  readonly type = 'counter';
  inc(by = 1, labels?: Labels): void {
    if (by < 0) throw new Error('counters only go up');
    this.update(labels, (v) => v + by);
  }
}

export class Gauge extends Metric {
  readonly type = 'gauge';
  set(value: number, labels?: Labels): void {
    this.update(labels, () => value);
  }
  inc(by = 1, labels?: Labels): void {
    this.update(labels, (v) => v + by);
  }
  dec(by = 1, labels?: Labels): void {
    this.inc(-by, labels);
  }
}

export class Metrics {
  readonly seriesDropped = new Counter(
    'qsf_metric_series_dropped_total',
    'Label sets not recorded because their metric already held its maximum number of series',
  );
  private readonly dropped = () => this.seriesDropped.inc();

  readonly pushes = new Counter('qsf_pushes_total', 'Push batches received from stations');
  readonly pulls = new Counter('qsf_pulls_total', 'Pull requests served');
  readonly eventsApplied = new Counter('qsf_events_applied_total', 'Events applied to the authoritative state');
  readonly eventsRefused = new Counter('qsf_events_refused_total', 'Events refused (kept with their reason)');
  readonly eventsFlagged = new Counter('qsf_events_flagged_total', "Events applied but flagged for their station's clock (ahead of the server, before enrollment)");
  readonly connectedStations = new Gauge('qsf_connected_stations', 'Stations with an open live stream');
  readonly openStreams = new Gauge('qsf_open_streams', 'Live streams (GET /api/stream) open on this instance');
  readonly streamsRefused = new Counter('qsf_streams_refused_total', 'Live streams refused because this instance held its maximum');
  readonly streamsReplaced = new Counter(
    'qsf_streams_replaced_total',
    "A station's oldest live stream closed because it opened one more than its maximum",
  );
  readonly pullLag = new Gauge(
    'qsf_pull_lag_versions',
    'Change numbers between the newest change and the checkpoint a station last pulled to (0 = up to date)',
    DEFAULT_MAX_SERIES,
    this.dropped,
  );

  readonly clockSkew = new Gauge(
    'qsf_station_clock_skew_seconds',
    "A station's wall clock minus the server's, at its last push",
    DEFAULT_MAX_SERIES,
    this.dropped,
  );

  readonly stationBacklog = new Gauge(
    'qsf_station_backlog_events',
    'Events a station has recorded but the server has not applied, as last reported',
    DEFAULT_MAX_SERIES,
    this.dropped,
  );
  readonly deviceConnected = new Gauge(
    'qsf_device_connected',
    'Serial device connected (1) or not (0), as its station last reported',
    // 32 devices per heartbeat: room for a few hundred stations' full device lists.
    4 * DEFAULT_MAX_SERIES,
    this.dropped,
  );

  private readonly all: Metric[] = [
    this.clockSkew,
    this.stationBacklog,
    this.deviceConnected,
    this.pushes,
    this.pulls,
    this.eventsApplied,
    this.eventsRefused,
    this.eventsFlagged,
    this.connectedStations,
    this.openStreams,
    this.streamsRefused,
    this.streamsReplaced,
    this.pullLag,
    this.seriesDropped,
  ];

  render(): string {
    return this.all.map((m) => m.render()).join('\n') + '\n';
  }
}
