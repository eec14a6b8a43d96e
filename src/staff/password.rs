//! Passwords: the policy staff passwords must meet (with Chinese messages), argon2id hashing
//! off the async threads, and strong generated passwords.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::Rng;

/// The shortest password accepted.
pub const MIN_LEN: usize = 12;
/// The longest: argon2 takes anything, but a megabyte of "password" is an attack.
const MAX_LEN: usize = 256;

/// Passwords people choose that meet the length rule and are guessed first anyway.
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456123456",
    "123123123123",
    "111111111111",
    "000000000000",
    "888888888888",
    "666666666666",
    "520520520520",
    "5201314520131",
    "woaini1314520",
    "woaini5201314",
    "qwertyuiop12",
    "qwertyuiop123",
    "qwerty123456",
    "qwe123qwe123",
    "asdfghjkl123",
    "zxcvbnm12345",
    "1qaz2wsx3edc",
    "1qaz2wsx3edc4rfv",
    "1q2w3e4r5t6y",
    "qazwsxedcrfv",
    "zaq12wsxcde3",
    "password1234",
    "password12345",
    "password123456",
    "passw0rd1234",
    "p@ssw0rd1234",
    "p@ssword1234",
    "admin1234567",
    "admin123456789",
    "administrator",
    "administrator1",
    "abcdefghijkl",
    "abc123456789",
    "abcd12345678",
    "a12345678910",
    "aa1234567890",
    "aa123456789012",
    "iloveyou1234",
    "welcome12345",
    "changeme1234",
    "letmein12345",
    "football1234",
    "baseball1234",
    "sunshine1234",
    "princess1234",
    "monkey123456",
    "dragon123456",
    "master123456",
    "superman1234",
    "trustno11234",
    "jingshi12345",
    "jingshi123456",
    "jingshi@2026",
    "jingshi@2025",
    "admin@123456",
    "root12345678",
    "test12345678",
];

/// Why a password is refused, in Chinese for the person choosing it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("密码至少需要 {MIN_LEN} 个字符。")]
    TooShort,
    #[error("密码过长（最多 {MAX_LEN} 个字符）。")]
    TooLong,
    #[error("密码不能与用户名相同，也不能包含用户名。")]
    ContainsUsername,
    #[error("该密码过于常见，容易被猜到，请换一个。")]
    Common,
    #[error("密码不能只由同一个字符或连续的数字组成。")]
    Trivial,
}

/// Checks a new password against the policy: at least 12 characters, not the user name, not
/// a common password, not one character repeated or a run of digits.
pub fn check(username: &str, password: &str) -> Result<(), PolicyError> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(PolicyError::TooShort);
    }
    if n > MAX_LEN {
        return Err(PolicyError::TooLong);
    }
    let lower = password.to_lowercase();
    let user = username.trim().to_lowercase();
    if !user.is_empty() && lower.contains(&user) {
        return Err(PolicyError::ContainsUsername);
    }
    if COMMON.contains(&lower.as_str()) {
        return Err(PolicyError::Common);
    }
    let chars: Vec<char> = password.chars().collect();
    let one_char = chars.iter().all(|c| *c == chars[0]);
    let digit_run = chars.iter().all(char::is_ascii_digit)
        && chars.windows(2).all(|w| {
            let (a, b) = (w[0] as i32, w[1] as i32);
            (b - a).abs() == 1 || (a == '9' as i32 && b == '0' as i32)
        });
    if one_char || digit_run {
        return Err(PolicyError::Trivial);
    }
    Ok(())
}

/// An argon2id hash (PHC string) of a password, computed on a blocking thread.
pub async fn hash(password: &str) -> anyhow::Result<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
    })
    .await?
}

/// Whether a password matches a stored hash (false for a damaged hash).
pub async fn verify(hash: &str, password: &str) -> bool {
    let (hash, password) = (hash.to_string(), password.to_string());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// A hash of nothing anyone knows, verified against when the user name is unknown, so that
/// an unknown name and a wrong password take the same time.
pub async fn decoy_hash() -> String {
    static DECOY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DECOY
        .get_or_init(|| async { hash(&generate()).await.unwrap_or_default() })
        .await
        .clone()
}

/// A strong random password: 20 characters in groups of five, from letters and digits that
/// cannot be mistaken for one another.
pub fn generate() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let chars: Vec<char> = (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    chars
        .chunks(5)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_what_is_wrong() {
        assert_eq!(check("zhang", "short"), Err(PolicyError::TooShort));
        assert_eq!(
            check("zhangsan", "zhangsan2026!"),
            Err(PolicyError::ContainsUsername)
        );
        assert_eq!(check("li", "Password1234"), Err(PolicyError::Common));
        assert_eq!(check("li", "aaaaaaaaaaaaaa"), Err(PolicyError::Trivial));
        assert_eq!(check("li", "3456789012345"), Err(PolicyError::Trivial));
        assert_eq!(check("li", "风险提示要认真看2026"), Ok(()));
        assert!(PolicyError::TooShort.to_string().contains("12"));
    }

    #[test]
    fn generated_passwords_pass_the_policy_and_differ() {
        let a = generate();
        assert_eq!(a.len(), 23);
        assert!(check("admin", &a).is_ok());
        assert_ne!(a, generate());
    }

    #[tokio::test]
    async fn hashes_verify_only_their_password() {
        let h = hash("风险提示要认真看2026").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(&h, "风险提示要认真看2026").await);
        assert!(!verify(&h, "风险提示要认真看2027").await);
        assert!(!verify("damaged", "x").await);
    }
}
