//! Small drawing helpers in millimetres: the designs are measured in mm on
//! paper, krilla draws in points with the origin at the top-left corner.

use krilla::color::rgb;
use krilla::geom::{Path, PathBuilder, Rect, Transform};
use krilla::image::Image;
use krilla::paint::{Fill, LineCap, Stroke, StrokeDash};
use krilla::surface::Surface;
use krilla::geom::Size;

/// Points per millimetre.
pub const PT: f32 = 72.0 / 25.4;

/// Millimetres to points.
pub fn mm(v: f32) -> f32 {
    v * PT
}

/// An sRGB colour.
pub type Rgb = (u8, u8, u8);

fn color(c: Rgb) -> rgb::Color {
    rgb::Color::new(c.0, c.1, c.2)
}

fn stroke(surface: &mut Surface, path: &Path, c: Rgb, width_pt: f32, dash: Option<Vec<f32>>) {
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        paint: color(c).into(),
        width: width_pt,
        line_cap: LineCap::Butt,
        dash: dash.map(|array| StrokeDash { array, offset: 0.0 }),
        ..Default::default()
    }));
    surface.draw_path(path);
    surface.set_stroke(None);
}

/// Strokes the rectangle (x, y, w, h in mm).
pub fn rect(surface: &mut Surface, x: f32, y: f32, w: f32, h: f32, c: Rgb, width_pt: f32) {
    let mut pb = PathBuilder::new();
    if let Some(r) = Rect::from_xywh(mm(x), mm(y), mm(w), mm(h)) {
        pb.push_rect(r);
    }
    if let Some(p) = pb.finish() {
        stroke(surface, &p, c, width_pt, None);
    }
}

/// Fills the rectangle (x, y, w, h in mm).
pub fn fill_rect(surface: &mut Surface, x: f32, y: f32, w: f32, h: f32, c: Rgb) {
    let mut pb = PathBuilder::new();
    if let Some(r) = Rect::from_xywh(mm(x), mm(y), mm(w), mm(h)) {
        pb.push_rect(r);
    }
    fill(surface, pb, c);
}

/// Fills a closed polygon given in mm.
pub fn polygon(surface: &mut Surface, points: &[(f32, f32)], c: Rgb) {
    let mut pb = PathBuilder::new();
    for (i, (x, y)) in points.iter().enumerate() {
        if i == 0 {
            pb.move_to(mm(*x), mm(*y));
        } else {
            pb.line_to(mm(*x), mm(*y));
        }
    }
    pb.close();
    fill(surface, pb, c);
}

fn fill(surface: &mut Surface, pb: PathBuilder, c: Rgb) {
    if let Some(p) = pb.finish() {
        surface.set_stroke(None);
        surface.set_fill(Some(Fill { paint: color(c).into(), ..Default::default() }));
        surface.draw_path(&p);
        surface.set_fill(None);
    }
}

/// A straight line from (x1, y1) to (x2, y2) in mm; `dash` in points.
pub fn line(surface: &mut Surface, (x1, y1): (f32, f32), (x2, y2): (f32, f32), c: Rgb, width_pt: f32, dash: Option<Vec<f32>>) {
    let mut pb = PathBuilder::new();
    pb.move_to(mm(x1), mm(y1));
    pb.line_to(mm(x2), mm(y2));
    if let Some(p) = pb.finish() {
        stroke(surface, &p, c, width_pt, dash);
    }
}

/// A small diamond centred at (x, y), `r` mm from centre to tip.
pub fn diamond(surface: &mut Surface, x: f32, y: f32, r: f32, c: Rgb) {
    polygon(surface, &[(x, y - r), (x + r, y), (x, y + r), (x - r, y)], c);
}

/// Decodes a PNG or JPEG logo or signature.
pub fn image(bytes: &[u8]) -> Option<Image> {
    let data: krilla::Data = bytes.to_vec().into();
    if bytes.starts_with(&[0x89, b'P', b'N', b'G']) {
        Image::from_png(data, true).ok()
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        Image::from_jpeg(data, true).ok()
    } else {
        None
    }
}

/// Draws `img` as large as fits the box (mm), keeping its aspect ratio,
/// centred horizontally and aligned to the box's bottom.
pub fn image_in_box(surface: &mut Surface, img: &Image, x: f32, y: f32, w: f32, h: f32) {
    let (iw, ih) = img.size();
    if iw == 0 || ih == 0 {
        return;
    }
    let scale = (w / iw as f32).min(h / ih as f32);
    let (dw, dh) = (iw as f32 * scale, ih as f32 * scale);
    let (dx, dy) = (x + (w - dw) / 2.0, y + h - dh);
    if let Some(size) = Size::from_wh(mm(dw), mm(dh)) {
        surface.push_transform(&Transform::from_translate(mm(dx), mm(dy)));
        surface.draw_image(img.clone(), size);
        surface.pop();
    }
}
