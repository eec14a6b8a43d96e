//! The shipped content: the demo data set and the standing pages must stay valid.

use jingshi::domain::{ArticleKind, Category, EntryStatus, ListKind};
use jingshi::store::{ArticleFilter, EntryFilter};

use crate::harness::{Backend, TestApp, content_dir, import_content, import_file};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_content_loads_and_covers_every_vocabulary() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let demo = content_dir().join("demo");
    let (result, report) =
        import_file(&app.store, &app.clock, &demo.join("entries.csv"), true).await;
    let outcome = result.unwrap_or_else(|e| panic!("{e}\n{report}"));
    assert!(outcome.created >= 40, "{outcome:?}");
    import_content(&app.store, &app.clock, &demo).await;
    import_content(&app.store, &app.clock, &content_dir()).await;
    app.sync().await;

    let today = app.today();
    let all = EntryFilter {
        limit: 1000,
        ..EntryFilter::default()
    };
    let (_, entries) = app.store.public_entries(&all, today).await.unwrap();
    for c in Category::ALL {
        assert!(entries.iter().any(|e| e.data.category == *c), "{c}");
    }
    for l in ListKind::ALL {
        assert!(entries.iter().any(|e| e.data.list == *l), "{l}");
    }
    for s in EntryStatus::ALL {
        assert!(entries.iter().any(|e| e.data.status == *s), "{s}");
    }
    for (kind, min) in [
        (ArticleKind::Warning, 6),
        (ArticleKind::Case, 6),
        (ArticleKind::Notice, 1),
    ] {
        let f = ArticleFilter {
            kind: Some(kind),
            limit: 100,
            ..ArticleFilter::default()
        };
        let (total, articles) = app.store.public_articles(&f).await.unwrap();
        assert!(total >= min, "{kind}: {total}");
        for a in articles {
            assert!(
                a.data.body_md.contains("示例数据"),
                "{} is not marked as demo",
                a.data.slug
            );
            let (status, page) = app.get(&format!("/articles/{}", a.data.slug)).await;
            assert_eq!(status, 200);
            assert!(!page.contains("**"), "{}: unrendered emphasis", a.data.slug);
        }
    }
    let (status, page) = app.get("/pages/disclaimer").await;
    assert_eq!(status, 200);
    assert!(page.contains("未列入名单不代表该平台合法合规"));
}
