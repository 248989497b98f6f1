"""Render a BPMN file's DI (shapes and edges) to a PNG, to look at a layout without a modeller.

    python bpmn/tools/render.py bpmn/complaints/journey.bpmn /tmp/journey.png
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from lxml import etree
from PIL import Image, ImageDraw, ImageFont

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC",
      "di": "http://www.omg.org/spec/DD/20100524/DI"}
SCALE = 1.0


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    for name in ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default()


def render(path: Path, out: Path) -> None:
    root = etree.parse(str(path)).getroot()
    elements = {el.get("id"): el for el in root.iter() if el.get("id")}
    shapes = root.findall(".//bpmndi:BPMNShape", NS)
    edges = root.findall(".//bpmndi:BPMNEdge", NS)
    xs, ys = [], []
    for s in shapes:
        b = s.find("dc:Bounds", NS)
        xs.append(float(b.get("x")) + float(b.get("width")))
        ys.append(float(b.get("y")) + float(b.get("height")))
    img = Image.new("RGB", (int(max(xs) + 60), int(max(ys) + 60)), "white")
    draw = ImageDraw.Draw(img)
    tiny = _font(10)
    for s in shapes:
        _draw_shape(draw, img, s, elements[s.get("bpmnElement")])
    for e in edges:
        pts = [(float(p.get("x")), float(p.get("y"))) for p in e.findall("di:waypoint", NS)]
        draw.line(pts, fill="#444", width=1)
        _arrow(draw, pts[-2], pts[-1])
        label = e.find("bpmndi:BPMNLabel/dc:Bounds", NS)
        name = elements[e.get("bpmnElement")].get("name")
        if label is not None and name:
            draw.text((float(label.get("x")), float(label.get("y"))), name, fill="#06c",
                      font=tiny)
    img.save(out)


def _draw_shape(draw: ImageDraw.ImageDraw, img: Image.Image, s: etree._Element,
                el: etree._Element) -> None:
    small, tiny = _font(11), _font(10)
    tag = etree.QName(el).localname
    b = s.find("dc:Bounds", NS)
    x, y, w, h = (float(b.get(k)) for k in ("x", "y", "width", "height"))
    name = el.get("name") or ""
    if tag in ("participant", "lane"):
        draw.rectangle([x, y, x + w, y + h], outline="black")
        draw.line([x + 30, y, x + 30, y + h], fill="black")
        _vertical_text(img, name, x + 2, y, h, small)
    elif tag.endswith("Event"):
        _draw_event(draw, el, tag, (x, y, w, h), small)
    elif tag.endswith("Gateway"):
        pts = [(x + w / 2, y), (x + w, y + h / 2), (x + w / 2, y + h), (x, y + h / 2)]
        draw.polygon(pts, outline="#a60", fill="white")
        mark = {"parallelGateway": "+", "eventBasedGateway": "O"}.get(tag, "X")
        draw.text((x + w / 2 - 4, y + h / 2 - 7), mark, fill="#a60", font=small)
    elif tag == "subProcess":
        draw.rounded_rectangle([x, y, x + w, y + h], radius=10, outline="#777")
        draw.text((x + 6, y + 4), name, fill="#555", font=small)
    else:
        fill = {"userTask": "#eef5ff", "serviceTask": "#f3f3f3", "scriptTask": "#fff8e6",
                "businessRuleTask": "#f4ecff", "callActivity": "#e9f7ec",
                "receiveTask": "#fdeef0"}.get(tag, "white")
        draw.rounded_rectangle([x, y, x + w, y + h], radius=8, outline="black", fill=fill,
                               width=3 if tag == "callActivity" else 1)
        draw.text((x + 4, y + 2), tag.replace("Task", "")[:8], fill="#888", font=tiny)
        for i, line in enumerate(textwrap.wrap(name, 16)[:4]):
            draw.text((x + 6, y + 18 + i * 13), line, fill="black", font=small)
    label = s.find("bpmndi:BPMNLabel/dc:Bounds", NS)
    if label is not None and name:
        lx, ly = float(label.get("x")), float(label.get("y"))
        for i, line in enumerate(textwrap.wrap(name, 18)[:3]):
            draw.text((lx, ly + i * 12), line, fill="#333", font=tiny)


def _draw_event(draw: ImageDraw.ImageDraw, el: etree._Element, tag: str,
                box: tuple[float, float, float, float],
                font: ImageFont.ImageFont | ImageFont.FreeTypeFont) -> None:
    x, y, w, h = box
    color = "#d33" if tag == "endEvent" else "#393" if tag == "startEvent" else "#36c"
    width = 3 if tag == "endEvent" else 1
    draw.ellipse([x, y, x + w, y + h], outline=color, width=width, fill="white")
    for definition, mark in (("timerEventDefinition", "T"), ("messageEventDefinition", "M")):
        if el.find(f"bpmn:{definition}", NS) is not None:
            draw.text((x + 12, y + 10), mark, fill=color, font=font)
    if el.find("bpmn:terminateEventDefinition", NS) is not None:
        draw.ellipse([x + 9, y + 9, x + w - 9, y + h - 9], fill=color)


def _arrow(draw: ImageDraw.ImageDraw, a: tuple[float, float], b: tuple[float, float]) -> None:
    (x0, y0), (x1, y1) = a, b
    dx, dy = (x1 - x0), (y1 - y0)
    length = max((dx * dx + dy * dy) ** 0.5, 1)
    ux, uy = dx / length, dy / length
    left = (x1 - 8 * ux + 4 * uy, y1 - 8 * uy - 4 * ux)
    right = (x1 - 8 * ux - 4 * uy, y1 - 8 * uy + 4 * ux)
    draw.polygon([b, left, right], fill="#444")


def _vertical_text(img: Image.Image, text: str, x: float, y: float, h: float,
                   font: ImageFont.ImageFont | ImageFont.FreeTypeFont) -> None:
    band = Image.new("RGB", (int(h), 24), "white")
    ImageDraw.Draw(band).text((6, 5), text[: int(h / 7)], fill="black", font=font)
    img.paste(band.rotate(90, expand=True), (int(x), int(y)))


if __name__ == "__main__":
    render(Path(sys.argv[1]), Path(sys.argv[2]))
