// A canvas link the packet journey crossed: the link itself, then one lane per
// leg (request, response) running in the direction the frame went, with the
// step numbers of the crossings beside it.
import { BaseEdge, EdgeLabelRenderer, getStraightPath, type Edge, type EdgeProps } from '@xyflow/react';
import { LEGS, type EdgeUse } from '../../lib/journey-data';
import { i18n } from '../../i18n';

export interface JourneyEdgeData extends Record<string, unknown> {
  uses: EdgeUse[];
}
export type JourneyFlowEdge = Edge<JourneyEdgeData, 'journey'>;

/** px between the two lanes' centre lines when both legs use the link */
const LANE_GAP = 7;

export function JourneyEdge(p: EdgeProps<JourneyFlowEdge>) {
  const { sourceX: sx, sourceY: sy, targetX: tx, targetY: ty } = p;
  const [path, labelX, labelY] = getStraightPath({ sourceX: sx, sourceY: sy, targetX: tx, targetY: ty });
  const uses = p.data?.uses ?? [];
  const legs = LEGS.filter((l) => uses.some((u) => u.leg === l));
  const len = Math.hypot(tx - sx, ty - sy) || 1;
  // unit normal: lanes sit side by side across the link
  const nx = -(ty - sy) / len;
  const ny = (tx - sx) / len;
  return (
    <>
      <BaseEdge
        id={p.id}
        path={path}
        label={p.label}
        labelX={labelX}
        labelY={labelY}
        labelStyle={p.labelStyle}
        labelShowBg={p.labelShowBg}
        labelBgStyle={p.labelBgStyle}
        labelBgPadding={p.labelBgPadding}
        labelBgBorderRadius={p.labelBgBorderRadius}
        interactionWidth={p.interactionWidth}
        className="journey-base"
      />
      {legs.map((leg, i) => {
        const off = legs.length === 2 ? (i === 0 ? -LANE_GAP / 2 : LANE_GAP / 2) : 0;
        const [ox, oy] = [nx * off, ny * off];
        // edges run node → network; a frame arriving from the network runs the other way
        const toNetwork = uses.find((u) => u.leg === leg)?.toNetwork ?? true;
        const [ax, ay, bx, by] = toNetwork ? [sx, sy, tx, ty] : [tx, ty, sx, sy];
        return <path key={leg} className={`journey-lane lane-${leg}`} d={`M ${ax + ox},${ay + oy} L ${bx + ox},${by + oy}`} data-testid={`journey-lane-${p.id}-${leg}`} />;
      })}
      <EdgeLabelRenderer>
        {legs.map((leg, i) => {
          const steps = [...new Set(uses.filter((u) => u.leg === leg).map((u) => u.step))].sort((a, b) => a - b);
          // beside the link, on its lane's side, a third of the way from the node
          const side = legs.length === 2 ? (i === 0 ? -1 : 1) : -1;
          const x = sx + (tx - sx) * 0.35 + nx * side * 14;
          const y = sy + (ty - sy) * 0.35 + ny * side * 14;
          return (
            <div
              key={leg}
              className={`journey-step-badge lane-${leg} nodrag nopan`}
              style={{ transform: `translate(-50%, -50%) translate(${x}px, ${y}px)` }}
              title={i18n.t('canvas.crossing', { leg: i18n.t(`canvas.${leg}`), steps: steps.join(', ') })}
            >
              {steps.join('·')}
            </div>
          );
        })}
      </EdgeLabelRenderer>
    </>
  );
}
