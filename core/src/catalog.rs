//! The reference lists forms pick from: malls, merchants, and the rules in force.

use serde::{Deserialize, Serialize};

use crate::auth::{Actor, Permission};
use crate::error::Result;
use crate::rules::Rules;
use crate::types::Category;
use crate::Core;

/// A mall.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MallInfo {
    /// Short code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Region code.
    pub region: String,
    /// City tier 1..4.
    pub city_tier: u8,
}

/// A merchant.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MerchantInfo {
    /// Merchant id.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    /// The mall it trades in.
    pub mall: String,
    /// Name.
    pub name: String,
    /// Category.
    pub category: Category,
    /// Whether it takes payments.
    pub active: bool,
}

impl Core {
    /// The malls the actor may see, by code.
    pub async fn mall_list(&self, actor: &Actor) -> Result<Vec<MallInfo>> {
        actor.require(Permission::ReadCards)?;
        let rows: Vec<(String, String, String, i64)> =
            sqlx::query_as("SELECT code, name, region, city_tier FROM malls ORDER BY code")
                .fetch_all(&self.db().pool)
                .await?;
        let visible = self.visible_malls(actor).await?;
        Ok(rows
            .into_iter()
            .filter(|(code, ..)| visible.as_ref().is_none_or(|v| v.contains(code)))
            .map(|(code, name, region, tier)| MallInfo {
                code,
                name,
                region,
                city_tier: u8::try_from(tier).unwrap_or(0),
            })
            .collect())
    }

    /// The merchants of a mall (or of every visible mall), by name.
    pub async fn merchant_list(&self, actor: &Actor, mall: Option<&str>) -> Result<Vec<MerchantInfo>> {
        actor.require(Permission::ReadCards)?;
        let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
            "SELECT id, mall, name, category, active FROM merchants \
             WHERE ($1 = '' OR mall = $1) ORDER BY mall, name, id",
        )
        .bind(mall.unwrap_or("").to_string())
        .fetch_all(&self.db().pool)
        .await?;
        let visible = self.visible_malls(actor).await?;
        rows.into_iter()
            .filter(|(_, m, ..)| visible.as_ref().is_none_or(|v| v.contains(m)))
            .map(|(id, mall, name, category, active)| {
                Ok(MerchantInfo { id, mall, name, category: Category::parse(&category)?, active: active != 0 })
            })
            .collect()
    }

    /// The rules in force.
    pub async fn rules(&self) -> Result<Rules> {
        Rules::load(&self.db().pool).await
    }
}
