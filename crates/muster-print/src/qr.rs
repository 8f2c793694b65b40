//! QR codes as tiny images: one grey pixel per module, quiet zone included,
//! stored losslessly and drawn without interpolation, so a 49-module code is
//! a few hundred bytes in the PDF and renders with sharp edges at any size.
//!
//! Text made only of `0-9 A-Z` (and ` $%*+-./:`) is encoded in the QR
//! alphanumeric mode, 5.5 bits a character.

use crate::{Error, Result};
use krilla::geom::{Size, Transform};
use krilla::image::{BitsPerComponent, CustomImage, Image, ImageColorspace};
use krilla::surface::Surface;
use qrcode::{Color, EcLevel, QrCode, Version};
use std::sync::Arc;

/// Light modules around the symbol, as the standard asks.
pub const QUIET_ZONE: usize = 4;

/// A QR symbol, modules row by row.
#[derive(Debug, Clone)]
pub struct Qr {
    /// QR version (1–40).
    pub version: u8,
    /// Modules per side, quiet zone excluded.
    pub modules: usize,
    dark: Vec<bool>,
}

impl Qr {
    /// Encodes `text` with error correction level M (15% of the symbol can be
    /// lost: a fold, a smudge).
    pub fn new(text: &str) -> Result<Qr> {
        Qr::with_level(text, EcLevel::M)
    }

    pub fn with_level(text: &str, level: EcLevel) -> Result<Qr> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), level).map_err(|e| Error::Qr(e.to_string()))?;
        let version = match code.version() {
            Version::Normal(v) | Version::Micro(v) => v as u8,
        };
        let modules = code.width();
        let dark = code.into_colors().into_iter().map(|c| c == Color::Dark).collect();
        Ok(Qr { version, modules, dark })
    }

    /// Whether the module at (x, y) is dark (quiet zone excluded).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.modules && y < self.modules && self.dark[y * self.modules + x]
    }

    /// Modules per side including the quiet zone on both sides.
    pub fn total_modules(&self) -> usize {
        self.modules + 2 * QUIET_ZONE
    }

    /// Size of one module in millimetres when the symbol, quiet zone
    /// included, is printed `side_mm` wide.
    pub fn module_mm(&self, side_mm: f32) -> f32 {
        side_mm / self.total_modules() as f32
    }

    fn image(&self) -> Result<Image> {
        let n = self.total_modules();
        let mut px = vec![255u8; n * n];
        for y in 0..self.modules {
            for x in 0..self.modules {
                if self.is_dark(x, y) {
                    px[(y + QUIET_ZONE) * n + x + QUIET_ZONE] = 0;
                }
            }
        }
        Image::from_custom(Luma { px: Arc::new(px), side: n as u32 }, false).map_err(Error::Pdf)
    }

    /// Draws the symbol with its quiet zone as a square of `side` points
    /// whose top-left corner is at (x, y).
    pub fn draw(&self, surface: &mut Surface, x: f32, y: f32, side: f32) -> Result<()> {
        let image = self.image()?;
        surface.push_transform(&Transform::from_translate(x, y));
        surface.draw_image(image, Size::from_wh(side, side).ok_or_else(|| Error::Pdf("empty QR size".into()))?);
        surface.pop();
        Ok(())
    }
}

/// An 8-bit grey image (krilla deflates it; a QR compresses to a few
/// hundred bytes).
#[derive(Clone, Hash)]
struct Luma {
    px: Arc<Vec<u8>>,
    side: u32,
}

impl CustomImage for Luma {
    fn color_channel(&self) -> &[u8] {
        &self.px
    }
    fn alpha_channel(&self) -> Option<&[u8]> {
        None
    }
    fn bits_per_component(&self) -> BitsPerComponent {
        BitsPerComponent::Eight
    }
    fn size(&self) -> (u32, u32) {
        (self.side, self.side)
    }
    fn icc_profile(&self) -> Option<&[u8]> {
        None
    }
    fn color_space(&self) -> ImageColorspace {
        ImageColorspace::Luma
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alphanumeric_text_uses_a_small_version() {
        // 157 base-32 characters: the size of a certificate code.
        let text: String = std::iter::repeat("ABCDEFGHJK0123456789").flat_map(|s| s.chars()).take(157).collect();
        let qr = Qr::new(&text).unwrap();
        assert!(qr.version <= 8, "version {}", qr.version);
        assert_eq!(qr.modules, 17 + 4 * qr.version as usize);
        // Lower-case forces byte mode: a bigger symbol.
        let lower = Qr::new(&text.to_lowercase()).unwrap();
        assert!(lower.version > qr.version);
    }
}
