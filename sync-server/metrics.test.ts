import { describe, expect, it } from 'vitest';
import { Gauge, MAX_LABEL_LENGTH, Metrics } from './metrics';

describe('metrics label bounds', () => {
  it('cuts long label values and escapes them', () => {
    const m = new Metrics();
    m.stationBacklog.set(3, { station: 'S'.repeat(10_000) });
    m.stationBacklog.set(4, { station: 'a"b\\c\nd' });
    const text = m.render();
    const line = text.split('\n').find((l) => l.startsWith('qsf_station_backlog_events{station="SSS'));
    expect(line).toBe(`qsf_station_backlog_events{station="${'S'.repeat(MAX_LABEL_LENGTH)}"} 3`);
    expect(text).toContain('qsf_station_backlog_events{station="a\\"b\\\\c\\nd"} 4');
    // The cut value is the same series as the long one: setting again does not add a series.
    m.stationBacklog.set(5, { station: 'S'.repeat(20_000) });
    expect(m.stationBacklog.series()).toHaveLength(2);
    // A cut never splits a surrogate pair.
    m.stationBacklog.set(1, { station: '😀'.repeat(100) });
    expect(m.stationBacklog.series().some((s) => s.labels.station === '😀'.repeat(MAX_LABEL_LENGTH))).toBe(true);
  });

  it('keeps at most maxSeries label sets and counts what it dropped', () => {
    let dropped = 0;
    const g = new Gauge('g', 'help', 3, () => dropped++);
    for (let i = 0; i < 10; i++) g.set(i, { id: String(i) });
    expect(g.series().map((s) => s.labels.id)).toEqual(['0', '1', '2']);
    expect(dropped).toBe(7);
    g.set(42, { id: '1' }); // existing series still update
    expect(g.get({ id: '1' })).toBe(42);
    g.deleteWhere((l) => l.id === '0');
    g.set(9, { id: '9' });
    expect(g.series().map((s) => s.labels.id)).toEqual(['1', '2', '9']);

    const m = new Metrics();
    for (let i = 0; i < 30_000; i++) m.deviceConnected.set(1, { station: 'ST-1', device: `D-${i}` });
    expect(m.deviceConnected.series().length).toBeLessThan(30_000);
    expect(m.seriesDropped.get()).toBeGreaterThan(0);
  });
});
