import { type Edge, machineGraph } from "./machine-graph.js";

const BOX_W = 128;
const BOX_H = 46;
const STEP = 162;
const LEFT = 16;
const ROW_Y = 100;
/** How far a parent state's frame reaches around the states inside it. */
const GROUP_PAD = 10;
/** A frame's top clears the arrows between the states inside it. */
const FRAME_TOP = 58;

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
 * The sign-up machine as an SVG, drawn from the machine's own definition: states in definition order, a parent
 * state as a frame around the states inside it (its moves leave from the frame), forward moves arched above, moves
 * back arched below, the current state filled. Self-loops are left out.
 */
export function MachineDiagram({ current }: { current: string | null }) {
  const graph = machineGraph();
  const index = new Map<string, number>(graph.states.map((state, i) => [state.name, i]));
  // A parent state's moves leave from its frame's far corner, clear of the arrows between its states.
  for (const group of graph.groups) {
    index.set(group.name, Math.max(...group.states.map((name) => index.get(name) ?? 0)) + 0.4);
  }
  const cx = (name: string) => LEFT + (index.get(name) ?? 0) * STEP + BOX_W / 2;
  const width = LEFT * 2 + (graph.states.length - 1) * STEP + BOX_W;
  const height = 320;
  const frame = (name: string) => {
    const spots = graph.groups.find((group) => group.name === name)?.states.map((state) => cx(state)) ?? [];
    return { left: Math.min(...spots) - BOX_W / 2 - GROUP_PAD, right: Math.max(...spots) + BOX_W / 2 + GROUP_PAD };
  };
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
      {graph.groups.map((group) => {
        const { left, right } = frame(group.name);
        return (
          <g data-group={group.name}>
            <rect
              x={left}
              y={ROW_Y - BOX_H / 2 - FRAME_TOP}
              width={right - left}
              height={BOX_H + FRAME_TOP + GROUP_PAD}
              rx={14}
              fill="none"
              stroke="#b6bdcc"
              stroke-width="1.2"
            />
            <text x={left + 10} y={ROW_Y - BOX_H / 2 - FRAME_TOP + 14} font-size="11" font-weight="600" fill="#5b6477">
              {group.name}
            </text>
          </g>
        );
      })}
      {graph.edges.map((edge) => {
        const from = index.get(edge.from) ?? 0;
        const to = index.get(edge.to) ?? 0;
        const forward = to > from;
        const span = Math.max(1, Math.round(Math.abs(to - from)));
        const lift = forward ? -(34 + (span - 1) * 30) : 34 + span * 30;
        const fromGroup = graph.groups.some((group) => group.name === edge.from);
        const boxEdge = forward ? ROW_Y - BOX_H / 2 : ROW_Y + BOX_H / 2;
        // A move from a parent state leaves from its frame, drawn around its states' boxes.
        const y = fromGroup ? (forward ? boxEdge - FRAME_TOP : boxEdge + GROUP_PAD) : boxEdge;
        const x1 = cx(edge.from) + (fromGroup ? 0 : forward ? 20 : -20);
        const x2 = cx(edge.to) + (forward ? -20 : 20);
        const apexY = y + lift * 0.75;
        return (
          <g>
            <path
              d={`M${x1},${y} C${x1},${y + lift} ${x2},${y + lift} ${x2},${boxEdge}`}
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
