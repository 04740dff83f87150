import { Line, LineChart, YAxis } from 'recharts';

/** A tiny line of recent values (packets per second). */
export function Sparkline({ values, color = '#5fb3ff' }: { values: number[]; color?: string }) {
  const data = values.map((v, i) => ({ i, v }));
  return (
    <LineChart width={120} height={26} data={data} margin={{ top: 3, right: 2, bottom: 3, left: 2 }}>
      <YAxis hide domain={[0, 'dataMax']} />
      <Line type="monotone" dataKey="v" stroke={color} strokeWidth={1.6} dot={false} isAnimationActive={false} />
    </LineChart>
  );
}
