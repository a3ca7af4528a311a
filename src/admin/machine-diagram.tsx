import { type Edge, machineGraph } from "./machine-graph.js";

const BOX_W = 128;
const BOX_H = 46;
const STEP = 162;
const LEFT = 16;
const ROW_Y = 72;

/** "sendCode done, sendCode error" reads as "sendCode done/error". */
function label(edge: Edge): string {
  const byActor = new Map<string, string[]>();
  const plain: string[] = [];
  for (const event of edge.events) {
    const match = /^(\w+) (done|error)$/.exec(event);
    if (match) byActor.set(match[1] ?? "", [...(byActor.get(match[1] ?? "") ?? []), match[2] ?? ""]);
    else plain.push(event);
  }
  return [...plain, ...[...byActor].map(([actor, outcomes]) => `${actor} ${outcomes.join("/")}`)].join(", ");
}

/**
 * The sign-up machine as an SVG, drawn from the machine's own definition: states in definition order, forward
 * moves arched above, moves back arched below, the current state filled. Self-loops are left out.
 */
export function MachineDiagram({ current }: { current: string | null }) {
  const graph = machineGraph();
  const index = new Map(graph.states.map((state, i) => [state.name, i]));
  const cx = (name: string) => LEFT + (index.get(name) ?? 0) * STEP + BOX_W / 2;
  const width = LEFT * 2 + (graph.states.length - 1) * STEP + BOX_W;
  const height = 282;
  return (
    <svg
      viewBox={`0 0 ${width} ${height}`}
      width="100%"
      role="img"
      aria-label={`State machine, current state ${current ?? "none"}`}
    >
      <defs>
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto-start-reverse"
        >
          <path d="M0,0 L10,5 L0,10 z" fill="#7a8499" />
        </marker>
      </defs>
      {graph.edges.map((edge) => {
        const from = index.get(edge.from) ?? 0;
        const to = index.get(edge.to) ?? 0;
        const forward = to > from;
        const span = Math.abs(to - from);
        const lift = forward ? -(34 + (span - 1) * 30) : 34 + span * 30;
        const y = forward ? ROW_Y - BOX_H / 2 : ROW_Y + BOX_H / 2;
        const x1 = cx(edge.from) + (forward ? 20 : -20);
        const x2 = cx(edge.to) + (forward ? -20 : 20);
        const apexY = y + lift * 0.75;
        return (
          <g>
            <path
              d={`M${x1},${y} C${x1},${y + lift} ${x2},${y + lift} ${x2},${y}`}
              fill="none"
              stroke="#9aa3b5"
              stroke-width="1.4"
              marker-end="url(#arrow)"
            />
            <text x={(x1 + x2) / 2} y={apexY + (forward ? -4 : 12)} text-anchor="middle" font-size="11" fill="#4a5468">
              {label(edge)}
            </text>
          </g>
        );
      })}
      {graph.states.map((state) => {
        const x = cx(state.name) - BOX_W / 2;
        const active = state.name === current;
        return (
          <g data-state={state.name} class={active ? "current" : undefined}>
            <rect
              x={x}
              y={ROW_Y - BOX_H / 2}
              width={BOX_W}
              height={BOX_H}
              rx={state.resting ? 10 : 22}
              fill={active ? "#2f5bd3" : state.resting ? "#ffffff" : "#f4f6fa"}
              stroke={active ? "#1c3d99" : "#7a8499"}
              stroke-width={active ? 3 : 1.4}
              stroke-dasharray={state.resting ? undefined : "5 3"}
            />
            <text
              x={x + BOX_W / 2}
              y={ROW_Y + (state.invokes ? -2 : 4)}
              text-anchor="middle"
              font-size="13"
              font-weight="600"
              fill={active ? "#fff" : "#1d2433"}
            >
              {state.name}
            </text>
            {state.invokes ? (
              <text
                x={x + BOX_W / 2}
                y={ROW_Y + 13}
                text-anchor="middle"
                font-size="10"
                fill={active ? "#dfe7ff" : "#5b6477"}
              >
                {`calls ${state.invokes}`}
              </text>
            ) : null}
          </g>
        );
      })}
      <text x={LEFT} y={height - 10} font-size="11" fill="#5b6477">
        {`Solid: waiting for the person · dashed: a provider call in progress · from any state: ${graph.global.map((edge) => `${label(edge)} → ${edge.to}`).join(", ")} (operator)`}
      </text>
    </svg>
  );
}
