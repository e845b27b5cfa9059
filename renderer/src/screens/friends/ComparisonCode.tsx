/**
 * The code both friends see (PROTOCOL §8.5). Reading it to each other, in person or on a call, proves nobody is in
 * the middle.
 */
export function ComparisonCode({ code, name }: { code: string; name: string }) {
  return (
    <div className="comparison">
      <p className="comparison__label">Compare this code with {name}:</p>
      <p className="comparison__code mono" data-testid="comparison-code">
        {code}
      </p>
      <p className="muted comparison__hint">
        Read it to each other in person or on a call. It must be exactly the same on both screens. If it is
        not, say so: someone may be pretending to be them.
      </p>
    </div>
  );
}
