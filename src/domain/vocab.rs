//! Controlled vocabularies with their Chinese labels. Each value is stored by its English key
//! and accepted in either form (key or label) on import and in query strings.

use serde::Serialize;

/// Declares a vocabulary: an enum with `key`, `label`, `ALL` and a `parse` accepting both forms.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $key:literal, $label:literal $(| $alt:literal)*;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Accepts the English key (any case) or the Chinese label, trimmed.
            pub fn parse(input: &str) -> Option<Self> {
                let s = input.trim();
                $(
                    if s.eq_ignore_ascii_case($key) || s == $label $(|| s == $alt)* {
                        return Some($name::$variant);
                    }
                )+
                None
            }

            /// The stored form only: the exact English key. What a database holds is decoded
            /// with this, so a damaged value is refused rather than guessed.
            pub fn from_key(key: &str) -> Option<Self> {
                match key { $($key => Some($name::$variant),)+ _ => None }
            }

            /// The accepted values, for error messages.
            pub fn accepted() -> String {
                [$(concat!($label, "（", $key, "）")),+].join("、")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

vocabulary! {
    /// 业态: the line of internet-finance business.
    Category {
        P2p => "p2p", "网络借贷" | "P2P网络借贷" | "P2P";
        Crowdfunding => "crowdfunding", "股权众筹";
        Insurance => "insurance", "互联网保险";
        Payment => "payment", "第三方支付" | "非银行支付";
        AssetManagement => "asset_management", "互联网资产管理";
        CrossSector => "cross_sector", "跨界从事金融业务";
        Other => "other", "其他";
    }
}

vocabulary! {
    /// 名单类型.
    ListKind {
        Blacklist => "blacklist", "黑名单" | "联合惩戒对象" | "黑名单/联合惩戒对象";
        Warning => "warning", "风险警示名单";
        Abnormal => "abnormal", "经营异常" | "经营异常名录";
    }
}

vocabulary! {
    /// 状态 of a list entry.
    EntryStatus {
        Listed => "listed", "在列";
        Removed => "removed", "已移出";
    }
}

vocabulary! {
    /// Kinds of article.
    ArticleKind {
        Warning => "warning", "风险提示";
        Case => "case", "以案说法";
        Notice => "notice", "通知公告";
    }
}

vocabulary! {
    /// Where an entry or article stands in publication (not to be confused with an entry's
    /// listing status, 在列 / 已移出).
    Publication {
        Draft => "draft", "草稿";
        InReview => "in_review", "待审核";
        Published => "published", "已发布";
        Withdrawn => "withdrawn", "已撤回";
    }
}

vocabulary! {
    /// What a change did to the public list, as the changes feed and the history export name
    /// it. An entry that leaves public view does so by a withdrawal or the end of its
    /// publicity; every other change keeps it public.
    ChangeKind {
        Listed => "listed", "列入";
        Updated => "updated", "更新";
        Removed => "removed", "移出";
        Withdrawn => "withdrawn", "撤回";
        PublicityEnded => "publicity_ended", "公示期满";
    }
}

impl ChangeKind {
    /// Whether the entry is public after a change of this kind.
    pub fn keeps_public(self) -> bool {
        !matches!(self, ChangeKind::Withdrawn | ChangeKind::PublicityEnded)
    }
}

vocabulary! {
    /// What a staff account may do; each role may do what the roles before it may.
    Role {
        Editor => "editor", "编辑";
        Reviewer => "reviewer", "审核员";
        Admin => "admin", "管理员";
    }
}

impl Role {
    /// Whether this role may do what `needed` may (admins review and edit too; reviewers
    /// edit too).
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

impl ArticleKind {
    /// The public list page of this kind.
    pub fn path(self) -> &'static str {
        match self {
            ArticleKind::Warning => "/warnings",
            ArticleKind::Case => "/cases",
            ArticleKind::Notice => "/notices",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_labels_both_parse() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.key()), Some(*c));
            assert_eq!(Category::parse(c.label()), Some(*c));
        }
        assert_eq!(ListKind::parse(" 黑名单 "), Some(ListKind::Blacklist));
        assert_eq!(ListKind::parse("BLACKLIST"), Some(ListKind::Blacklist));
        assert_eq!(EntryStatus::parse("已移出"), Some(EntryStatus::Removed));
        assert_eq!(Category::parse("银行"), None);
    }

    #[test]
    fn stored_keys_decode_strictly() {
        assert_eq!(Category::from_key("p2p"), Some(Category::P2p));
        assert_eq!(Category::from_key("P2P"), None);
        assert_eq!(Category::from_key("网络借贷"), None);
        assert_eq!(
            Publication::from_key("in_review"),
            Some(Publication::InReview)
        );
    }

    #[test]
    fn accepted_values_name_every_label() {
        let s = ListKind::accepted();
        assert!(s.contains("黑名单（blacklist）") && s.contains("经营异常（abnormal）"));
    }
}
