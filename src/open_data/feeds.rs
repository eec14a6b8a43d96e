//! Atom feeds (RFC 4287): risk warnings, case studies and notices, and the list's changes (new
//! listings and removals). Built from public items only; an entry that is no longer public is
//! left out of the changes feed altogether.

use atom_syndication::{Entry, Feed, FixedDateTime, Link, Person, Text};
use time::OffsetDateTime;

use crate::domain::ArticleKind;
use crate::domain::ChangeKind;
use crate::domain::dates::{iso, rfc3339};
use crate::site::Site;
use crate::store::{Article, ChangeEvent, Entry as ListEntry, Public};

/// Items per feed.
pub const FEED_ITEMS: i64 = 50;

/// The feeds of the site: their path and title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    Articles(ArticleKind),
    Changes,
}

impl FeedKind {
    pub const ALL: [FeedKind; 4] = [
        FeedKind::Articles(ArticleKind::Warning),
        FeedKind::Articles(ArticleKind::Case),
        FeedKind::Articles(ArticleKind::Notice),
        FeedKind::Changes,
    ];

    pub fn path(self) -> &'static str {
        match self {
            FeedKind::Articles(ArticleKind::Warning) => "/feeds/warnings.xml",
            FeedKind::Articles(ArticleKind::Case) => "/feeds/cases.xml",
            FeedKind::Articles(ArticleKind::Notice) => "/feeds/notices.xml",
            FeedKind::Changes => "/feeds/changes.xml",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            FeedKind::Articles(ArticleKind::Warning) => "风险提示",
            FeedKind::Articles(ArticleKind::Case) => "以案说法",
            FeedKind::Articles(ArticleKind::Notice) => "通知公告",
            FeedKind::Changes => "名单变动（新列入、移出）",
        }
    }

    /// The HTML page the feed follows.
    pub fn page(self) -> &'static str {
        match self {
            FeedKind::Articles(k) => k.path(),
            FeedKind::Changes => "/entries",
        }
    }

    pub fn of_path(path: &str) -> Option<FeedKind> {
        FeedKind::ALL.into_iter().find(|f| f.path() == path)
    }
}

fn when(t: OffsetDateTime) -> FixedDateTime {
    FixedDateTime::parse_from_rfc3339(&rfc3339(t)).unwrap_or_default()
}

fn link(href: String, rel: &str, mime: Option<&str>) -> Link {
    Link {
        href,
        rel: rel.to_string(),
        mime_type: mime.map(String::from),
        ..Link::default()
    }
}

fn feed(
    site: &Site,
    kind: FeedKind,
    url: &dyn Fn(&str) -> String,
    updated: OffsetDateTime,
    entries: Vec<Entry>,
) -> String {
    let f = Feed {
        title: Text::plain(format!("{} - {}", kind.title(), site.site_name)),
        id: url(kind.path()),
        updated: when(updated),
        authors: vec![Person {
            name: site.office_name.clone(),
            ..Person::default()
        }],
        links: vec![
            link(url(kind.path()), "self", Some("application/atom+xml")),
            link(url(kind.page()), "alternate", Some("text/html")),
        ],
        lang: Some("zh-CN".into()),
        entries,
        ..Feed::default()
    };
    f.to_string()
}

/// The newest public articles of a kind, newest first.
pub fn articles(
    site: &Site,
    kind: ArticleKind,
    items: &[Public<Article>],
    url: &dyn Fn(&str) -> String,
    empty_since: OffsetDateTime,
) -> String {
    let entries: Vec<Entry> = items
        .iter()
        .map(|a| {
            let href = url(&format!("/articles/{}", a.data.slug));
            let mut summary = a.data.summary.clone();
            if let Some(no) = &a.data.doc_no {
                summary = format!("{no}　{summary}");
            }
            Entry {
                title: Text::plain(a.data.title.clone()),
                id: href.clone(),
                updated: when(a.updated_at),
                published: a.first_published_at.map(when),
                links: vec![link(href, "alternate", Some("text/html"))],
                summary: Some(Text::plain(summary)),
                ..Entry::default()
            }
        })
        .collect();
    let updated = items
        .iter()
        .map(|a| a.updated_at)
        .max()
        .unwrap_or(empty_since);
    feed(site, FeedKind::Articles(kind), url, updated, entries)
}

/// New listings and removals of entries that are public now, newest first.
pub fn changes(
    site: &Site,
    items: &[(ChangeEvent, Public<ListEntry>)],
    url: &dyn Fn(&str) -> String,
    empty_since: OffsetDateTime,
) -> String {
    let entries: Vec<Entry> = items
        .iter()
        .map(|(event, e)| {
            let d = &e.data;
            let href = url(&format!("/entries/{}", e.id));
            let (title, summary) = match event.kind {
                ChangeKind::Removed => (
                    format!("移出名单：{}", d.name),
                    format!(
                        "{}已移出{}{}。移出不代表其合法合规。",
                        d.name,
                        d.list.label(),
                        d.removed_on
                            .map(|r| format!("（移出日期 {}）", iso(r)))
                            .unwrap_or_default()
                    ),
                ),
                _ => (
                    format!("列入{}：{}", d.list.label(), d.name),
                    format!(
                        "{}被列入{}。列入事由：{}。认定机关：{}{}",
                        d.name,
                        d.list.label(),
                        d.reason,
                        d.authority,
                        if d.decision_no.is_empty() {
                            String::new()
                        } else {
                            format!("（{}）", d.decision_no)
                        }
                    ),
                ),
            };
            Entry {
                title: Text::plain(title),
                // One Atom entry per event: the same entry may be listed, removed, listed again.
                id: format!("{href}#change-{}", event.seq),
                updated: when(event.at),
                links: vec![link(href, "alternate", Some("text/html"))],
                summary: Some(Text::plain(summary)),
                ..Entry::default()
            }
        })
        .collect();
    let updated = items.iter().map(|(e, _)| e.at).max().unwrap_or(empty_since);
    feed(site, FeedKind::Changes, url, updated, entries)
}
