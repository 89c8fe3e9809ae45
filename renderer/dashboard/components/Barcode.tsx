import { barsOf, encodeCode128 } from '../../../shared/barcode/code128';

/** Modules of quiet zone each side of the bars (Code 128 asks for at least 10). */
const QUIET = 10;

/**
 * A Code 128 symbol drawn from the shared encoder as inline SVG (sharp at any print size), with its text under it.
 * `data-code` carries what it encodes, so a test can check the bars against the encoder.
 */
export function Code128({ data, testId, heightMm = 12 }: { data: string; testId?: string; heightMm?: number }) {
  const symbol = encodeCode128(data);
  const width = symbol.modules + 2 * QUIET;
  return (
    <figure className="code128">
      <svg
        data-testid={testId}
        data-code={data}
        role="img"
        aria-label={`Code 128 ${data}`}
        viewBox={`0 0 ${width} 40`}
        preserveAspectRatio="none"
        shapeRendering="crispEdges"
        style={{ width: '100%', height: `${heightMm}mm` }}
      >
        <rect x={0} y={0} width={width} height={40} fill="#fff" />
        {barsOf(symbol, QUIET).map((b) => (
          <rect key={b.x} x={b.x} y={0} width={b.w} height={40} fill="#000" />
        ))}
      </svg>
      <figcaption className="code128-text">{data}</figcaption>
    </figure>
  );
}
