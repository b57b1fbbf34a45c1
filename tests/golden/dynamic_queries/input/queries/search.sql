-- Items matching whichever filters the caller gives, in the order it asks.
-- name: SearchItems :many
SELECT i.id, i.name, i.price, i.category FROM items i
LEFT JOIN shops s ON s.id = i.shop_id  -- at most one shop: left out unless city is given
WHERE i.price <= @max_price
  AND i.category = sqlc.optional(category)
  AND i.name LIKE sqlc.optional(name_like)
  AND s.city = sqlc.optional(city)
ORDER BY sqlc.sort(order_by, price, name), i.id
LIMIT sqlc.arg(page_size) OFFSET sqlc.arg(skip);

-- name: CountPerCategory :many
SELECT category, count(*) AS n FROM items
GROUP BY category
HAVING count(*) >= sqlc.optional(at_least)
ORDER BY category;
