/**
 * A tiny Prometheus registry (text exposition format 0.0.4). Small on purpose: a handful of counters and gauges do
 * not justify a dependency. The push handler increments `metrics.pushes`, `metrics.eventsApplied`, ... directly.
 */
type Labels = Record<string, string>;

function labelKey(labels: Labels | undefined): string {
  if (!labels) return '';
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

abstract class Metric {
  protected readonly values = new Map<string, number>();
  abstract readonly type: 'counter' | 'gauge';
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  get(labels?: Labels): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const [key, value] of this.values) lines.push(`${this.name}${key} ${value}`);
    return lines.join('\n');
  }
}

export class Counter extends Metric {
  readonly type = 'counter';
  inc(by = 1, labels?: Labels): void {
    if (by < 0) throw new Error('counters only go up');
    const key = labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
}

export class Gauge extends Metric {
  readonly type = 'gauge';
  set(value: number, labels?: Labels): void {
    this.values.set(labelKey(labels), value);
  }
  inc(by = 1, labels?: Labels): void {
    const key = labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  dec(by = 1, labels?: Labels): void {
    this.inc(-by, labels);
  }
  delete(labels?: Labels): void {
    this.values.delete(labelKey(labels));
  }
}

export class Metrics {
  readonly pushes = new Counter('qsf_pushes_total', 'Push batches received from stations');
  readonly pulls = new Counter('qsf_pulls_total', 'Pull requests served');
  readonly eventsApplied = new Counter('qsf_events_applied_total', 'Events applied to the authoritative state');
  readonly eventsRefused = new Counter('qsf_events_refused_total', 'Events refused (kept with their reason)');
  readonly connectedStations = new Gauge('qsf_connected_stations', 'Stations with an open live stream');
  readonly pullLag = new Gauge(
    'qsf_pull_lag_versions',
    'Change numbers between the newest change and the checkpoint a station last pulled to (0 = up to date)',
  );

  readonly clockSkew = new Gauge('qsf_station_clock_skew_seconds', "A station's wall clock minus the server's, at its last push");

  readonly stationBacklog = new Gauge('qsf_station_backlog_events', 'Events a station has recorded but the server has not applied, as last reported');
  readonly deviceConnected = new Gauge('qsf_device_connected', 'Serial device connected (1) or not (0), as its station last reported');

  private readonly all: Metric[] = [
    this.clockSkew,
    this.stationBacklog,
    this.deviceConnected,
    this.pushes,
    this.pulls,
    this.eventsApplied,
    this.eventsRefused,
    this.connectedStations,
    this.pullLag,
  ];

  render(): string {
    return this.all.map((m) => m.render()).join('\n') + '\n';
  }
}
