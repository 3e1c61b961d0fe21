/**
 * Jobs finished per time bucket (succeeded and failed) as a uPlot chart: grouped bars on a
 * local-time axis, sized to its container, drawn with the theme's colours (read from the
 * stylesheet's custom properties, redrawn when the theme changes). For screen readers the
 * chart is one image described by its totals.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { Throughput } from '../api.js';
import { formatCount, formatRate } from './format.js';
import { useResolvedTheme } from './theme.js';

const HEIGHT = 220;

function cssColor(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888888';
}

/** `#rrggbb` with an alpha, for area fills. */
function withAlpha(hex: string, alpha: number): string {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) return hex;
  const [r, g, b] = match.slice(1).map((part) => parseInt(part, 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

export function toChartData(throughput: Throughput): uPlot.AlignedData {
  const buckets = throughput.buckets;
  return [buckets.map((b) => Date.parse(b.at) / 1_000), buckets.map((b) => b.succeeded), buckets.map((b) => b.failed)];
}

/**
 * Grouped bars per bucket, succeeded left of the bucket's time and failed right of it.
 * Colours are read now: the caller makes a new chart when the theme changes.
 */
function chartOptions(width: number, unit: string, bucketSeconds: number): uPlot.Options {
  const text = cssColor('--muted');
  const grid = cssColor('--chart-grid');
  const axis = (label?: string): uPlot.Axis => ({ stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, ...(label ? { label } : {}) });
  const series = (label: string, colorVar: string, align: -1 | 1): uPlot.Series => {
    const color = cssColor(colorVar);
    const bars = uPlot.paths.bars?.({ size: [0.45, 24], align });
    return { label, stroke: color, width: 0, fill: withAlpha(color, 0.8), ...(bars ? { paths: bars } : {}), points: { show: false } };
  };
  return {
    width,
    height: HEIGHT,
    series: [{ label: 'Time' }, series('Succeeded', '--chart-succeeded', -1), series('Failed', '--chart-failed', 1)],
    axes: [axis(), axis(`jobs per ${unit}`)],
    scales: {
      // Half a bucket of room at each end, so the first and last bars are whole.
      x: { time: true, range: (_u, min, max) => [min - bucketSeconds / 2, max + bucketSeconds / 2] },
      y: { range: (_u, _min, max) => [0, Math.max(5, Math.ceil(max * 1.1))] },
    },
    cursor: { drag: { x: false, y: false } },
  };
}

export interface ThroughputChartProps {
  data: Throughput;
  /** Such as "the last hour": used in the description. */
  span: string;
}

/** "minute", "15 minutes", "2 hours": the bucket size in words. */
function bucketUnit(ms: number): string {
  if (ms === 60_000) return 'minute';
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} minutes`;
  return ms === 3_600_000 ? 'hour' : `${Math.round(ms / 3_600_000)} hours`;
}

export function ThroughputChart({ data, span }: ThroughputChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const theme = useResolvedTheme();
  const unit = bucketUnit(data.bucketMs);
  const latest = useRef(data);
  latest.current = data;

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const chart = new uPlot(chartOptions(element.clientWidth || 600, unit, data.bucketMs / 1_000), toChartData(latest.current), element);
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: element.clientWidth, height: HEIGHT }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [theme, unit, data.bucketMs]);

  useEffect(() => plot.current?.setData(toChartData(data)), [data]);

  const succeeded = data.buckets.reduce((sum, b) => sum + b.succeeded, 0);
  const failed = data.buckets.reduce((sum, b) => sum + b.failed, 0);
  const description = `Jobs finished per ${unit} over ${span}: ${formatCount(succeeded)} succeeded, ${formatCount(failed)} failed.`;
  return (
    <figure class="chart-figure">
      <p class="chart-summary">
        <span>
          Succeeded <strong>{formatCount(succeeded)}</strong>
        </span>
        <span>
          Failed <strong>{formatCount(failed)}</strong>
        </span>
        <span>
          Failure rate <strong>{formatRate(failed, succeeded + failed)}</strong>
        </span>
      </p>
      <div class="chart" ref={box} role="img" aria-label={description} />
    </figure>
  );
}
