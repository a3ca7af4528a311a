/** A one-button form that changes something: it carries the session's form token and any fixed fields. */
export function PostButton({
  action,
  csrf,
  label,
  fields = {},
  plain = false,
}: {
  action: string;
  csrf: string;
  label: string;
  fields?: Record<string, string>;
  plain?: boolean;
}) {
  return (
    <form method="post" action={action}>
      <input type="hidden" name="_csrf" value={csrf} />
      {Object.entries(fields).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button class={plain ? "plain" : undefined} type="submit">
        {label}
      </button>
    </form>
  );
}
