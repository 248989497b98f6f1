// Fit a diagram, but never so small that labels cannot be read: then show where it starts.
export function fitReadably(canvas, minimum = 0.6, readable = 0.8) {
  canvas.zoom('fit-viewport');
  if (canvas.zoom() >= minimum) return;
  const { inner, outer } = canvas.viewbox();
  canvas.viewbox({ x: inner.x - 20, y: inner.y - 20, width: outer.width / readable, height: outer.height / readable });
}
