/** A uPlot time-series chart that follows its data (created once, then `setData`). */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface Series {
  label: string;
  stroke: string;
}

export function Chart(props: {
  title: string;
  series: readonly Series[];
  /** [x (unix seconds), ...one array per series]. */
  data: uPlot.AlignedData;
  yLabel: string;
  testid: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    const options: uPlot.Options = {
      title: props.title,
      width: Math.min(900, (host.current?.clientWidth ?? 900) - 8),
      height: 240,
      series: [{}, ...props.series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2 }))],
      axes: [{}, { label: props.yLabel }],
    };
    plot.current = new uPlot(options, props.data, host.current!);
    return () => plot.current?.destroy();
    // Created once per set of series; data follows in the next effect.
  }, [props.series.map((s) => s.label).join()]);
  useEffect(() => {
    plot.current?.setData(props.data);
  }, [props.data]);
  return <div class="chart" ref={host} data-testid={props.testid} />;
}
