import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef } from 'react';

// Only the parts these charts use: bars on a category and a linear axis, with tooltips.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

interface Props {
  /** The accessible name of the chart: what it shows and its values in words. */
  label: string;
  labels: string[];
  values: number[];
  /** Horizontal bars (long category names). */
  horizontal?: boolean;
  color?: string;
}

/** A bar chart on a canvas; the canvas is an image named by `label`, and a table beside it gives the figures. */
export function BarChart({ label, labels, values, horizontal = false, color = '#0f4c81' }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const reduced = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: { labels, datasets: [{ label, data: values, backgroundColor: color, borderRadius: 4 }] },
      options: {
        indexAxis: horizontal ? 'y' : 'x',
        responsive: true,
        maintainAspectRatio: false,
        animation: reduced ? false : { duration: 300 },
        plugins: { tooltip: { enabled: true } },
        scales: {
          [horizontal ? 'x' : 'y']: { beginAtZero: true, ticks: { precision: 0, color: '#1c2430' }, grid: { color: '#e3e8ef' } },
          [horizontal ? 'y' : 'x']: { ticks: { color: '#1c2430', autoSkip: !horizontal }, grid: { display: false } },
        },
      },
    });
    return () => chart.destroy();
  }, [label, labels, values, horizontal, color]);
  const height = horizontal ? Math.max(160, labels.length * 28 + 48) : 260;
  return (
    <div className="trend-chart" style={{ height }}>
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}
