/**
 * Throughput (per second, the last two minutes) and runtime percentiles (overall, as
 * they move, and per task name).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { Chart } from '../chart.js';
import { count, duration } from '../format.js';
import { useLive } from '../live.js';
import { StatusBar } from '../status-bar.js';

const THROUGHPUT = [
  { label: 'received', stroke: '#4b7bec' },
  { label: 'succeeded', stroke: '#20bf6b' },
  { label: 'failed', stroke: '#eb3b5a' },
  { label: 'retried', stroke: '#f7b731' },
];
const PERCENTILES = [
  { label: 'p50', stroke: '#20bf6b' },
  { label: 'p90', stroke: '#f7b731' },
  { label: 'p99', stroke: '#eb3b5a' },
];
/** Runtime samples kept for the percentile chart (one per stats message, 1/s). */
const KEPT = 300;

export function ChartsPage() {
  const live = useLive({ stats: '1' });
  const stats = live.stats;
  const history = useRef<number[][]>([[], [], [], []]);
  const [percentiles, setPercentiles] = useState<uPlot.AlignedData>([[], [], [], []]);
  useEffect(() => {
    if (!stats || stats.runtime.count === 0) return;
    const h = history.current;
    const values = [
      live.now,
      stats.runtime.p50 ?? 0,
      stats.runtime.p90 ?? 0,
      stats.runtime.p99 ?? 0,
    ];
    values.forEach((v, i) => h[i]!.push(i === 0 ? v : v * 1000));
    if (h[0]!.length > KEPT) h.forEach((a) => a.shift());
    setPercentiles(h.map((a) => [...a]) as uPlot.AlignedData);
  }, [stats]);
  const series = stats?.series ?? [];
  const throughput: uPlot.AlignedData = [
    series.map((s) => s.second),
    series.map((s) => s.received),
    series.map((s) => s.succeeded),
    series.map((s) => s.failed),
    series.map((s) => s.retried),
  ];
  return (
    <section>
      <h1>Charts</h1>
      <StatusBar live={live} />
      <Chart
        title="Tasks per second"
        series={THROUGHPUT}
        data={throughput}
        yLabel="tasks/s"
        testid="throughput"
      />
      <Chart
        title="Runtime percentiles (succeeded tasks)"
        series={PERCENTILES}
        data={percentiles}
        yLabel="ms"
        testid="percentiles"
      />
      <h2>Runtimes by task</h2>
      <table data-testid="runtimes">
        <thead>
          <tr>
            <th>task</th>
            <th>count</th>
            <th>mean</th>
            <th>p50</th>
            <th>p90</th>
            <th>p99</th>
            <th>max</th>
          </tr>
        </thead>
        <tbody>
          {(stats?.runtimeByName ?? []).map((r) => (
            <tr key={r.name}>
              <td>{r.name}</td>
              <td>{count(r.count)}</td>
              <td>{duration(r.mean)}</td>
              <td>{duration(r.p50)}</td>
              <td>{duration(r.p90)}</td>
              <td>{duration(r.p99)}</td>
              <td>{duration(r.max)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
