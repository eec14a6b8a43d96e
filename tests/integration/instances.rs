//! Several `serve` instances over one database, as behind a load balancer.

use jingshi::domain::Publication;

use crate::harness::{TestApp, fake_entry};
use crate::on_both_databases;

on_both_databases!(what_one_instance_writes_the_other_serves_at_once);

async fn what_one_instance_writes_the_other_serves_at_once(first: TestApp) {
    // Each instance has its own embedded index here; what they answer comes from the
    // database, which both share.
    let second = first.another_instance(None).await;
    assert_ne!(first.addr, second.addr);
    let (_, before) = second.get_json("/api/v1/entries").await;
    assert_eq!(before["total"], 0);

    let id = first
        .insert(
            &[fake_entry("示例双实例科技有限公司")],
            Publication::Published,
        )
        .await[0];
    let (status, page) = second.get(&format!("/entries/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("示例双实例科技有限公司"));
    let (_, after) = second
        .get_json("/api/v1/entries?q=示例双实例科技有限公司")
        .await;
    assert_eq!(after["total"], 1);

    let mut withdrawn = fake_entry("示例双实例科技有限公司");
    withdrawn.reason = "更正".into();
    second.insert(&[withdrawn], Publication::Withdrawn).await;
    assert_eq!(
        first.get(&format!("/entries/{id}")).await.0,
        410,
        "withdrawn after publication: gone, name withheld"
    );
}
