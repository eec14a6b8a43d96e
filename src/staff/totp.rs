//! Two-factor sign-in with time-based one-time passwords (RFC 6238: SHA-1, 6 digits, 30 s,
//! one step of clock skew either way), enrolled with a QR code, and single-use recovery codes.

use rand::Rng;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};

const STEP: u64 = 30;

fn totp(secret: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret.to_string()).to_bytes().ok()?;
    TOTP::new(Algorithm::SHA1, 6, 1, STEP, bytes).ok()
}

/// A new random secret (160 bits), base32 as authenticator apps take it.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill(&mut bytes);
    match Secret::Raw(bytes.to_vec()).to_encoded() {
        Secret::Encoded(s) => s,
        Secret::Raw(_) => String::new(),
    }
}

/// The `otpauth://` URL an authenticator app scans.
pub fn url(secret: &str, account: &str, issuer: &str) -> String {
    let enc = |s: &str| -> String { url::form_urlencoded::byte_serialize(s.as_bytes()).collect() };
    format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits=6&period={STEP}",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

/// Whether `code` is valid for `secret` at `unix_time` (one step of skew either way); the
/// comparison is constant-time.
pub fn verify(secret: &str, code: &str, unix_time: i64) -> bool {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || unix_time < 0 {
        return false;
    }
    totp(secret).is_some_and(|t| t.check(&code, unix_time as u64))
}

/// The code of `secret` at `unix_time` (tests sign in with it).
pub fn code_at(secret: &str, unix_time: i64) -> Option<String> {
    totp(secret).map(|t| t.generate(unix_time.max(0) as u64))
}

/// The QR code of a URL as SVG, drawn on the server (no script).
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

/// Ten recovery codes (`abcd-efgh`), shown once.
pub fn recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..10)
        .map(|_| {
            let c: String = (0..8)
                .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                .collect();
            format!("{}-{}", &c[..4], &c[4..])
        })
        .collect()
}

/// What is stored of a recovery code: the SHA-256 of its normalised form.
pub fn hash_code(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    Sha256::digest(normal.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_verify_within_one_step_and_not_beyond() {
        let secret = new_secret();
        let t = 1_790_000_000;
        let code = code_at(&secret, t).unwrap();
        assert!(verify(&secret, &code, t));
        assert!(verify(&secret, &code, t + 30));
        assert!(verify(&secret, &code, t - 30));
        assert!(!verify(&secret, &code, t + 90));
        assert!(!verify(&secret, "12345", t));
        assert!(!verify("not base32!", &code, t));
    }

    #[test]
    fn the_enrolment_url_and_qr_code_carry_the_secret() {
        let u = url("JBSWY3DPEHPK3PXP", "zhang", "示例区金融办");
        assert!(u.starts_with("otpauth://totp/") && u.contains("secret=JBSWY3DPEHPK3PXP"));
        assert!(qr_svg(&u).contains("<svg"));
    }

    #[test]
    fn recovery_codes_hash_the_same_however_typed() {
        let codes = recovery_codes();
        assert_eq!(codes.len(), 10);
        let c = &codes[0];
        assert_eq!(hash_code(c), hash_code(&c.to_uppercase().replace('-', " ")));
    }
}
