/** The code both friends see. Saying it out loud proves nobody is in the middle. */
export function ComparisonCode({ code, name }: { code: string; name: string }) {
  return (
    <div className="comparison">
      <p className="comparison__label">Compare this code with {name}:</p>
      <p className="comparison__code mono" data-testid="comparison-code">
        {code}
      </p>
      <p className="muted comparison__hint">
        It must be exactly the same on both screens. If it is not, remove this friend: someone may be
        pretending to be them.
      </p>
    </div>
  );
}
