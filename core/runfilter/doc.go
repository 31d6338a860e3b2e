// Package runfilter selects and sorts runs the way W&B's public API asks
// for them: a filter compiled from either of two syntaxes and an order
// string, evaluated over store.Run values in memory.
//
// Filters come as W&B's MongoDB-style JSON (what wandb.Api().runs(path,
// filters=...) sends in the runs query's filters argument):
//
//	{"$and": [{"config.lr.value": {"$gt": 0.01}}, {"state": "finished"}]}
//
// with $and, $or, $nor, $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin, $all,
// $regex (with $options "i"), $exists and $not, plus $contains (this
// package's: membership for lists, substring for strings). Or as a text
// expression for people and dashboards:
//
//	config.lr > 0.01 and state = finished
//	summary.loss < 0.5 or tags contains baseline
//	not (name ~ "sweep-") and created_at >= 2024-01-01
//
// Both compile to one [Filter]; [Filter.MarshalJSON] writes any filter back
// as Mongo-style JSON, so a client can parse an expression locally (and
// report errors with their column) and send W&B's wire form.
//
// Keys: config.X and config.X.value (W&B stores config values as
// {"value": v}; both forms reach the value), summary_metrics.X (summary.X
// in expressions), nested keys joined with ".", and the run fields state,
// group, job_type, notes, tags, entity, project, created_at, heartbeat_at,
// updated_at, history_line_count, display_name and the run id. In
// Mongo-style JSON "name" is the run id, as in W&B; in expressions "name" is
// the display name and "id" the run id.
//
// Comparison follows MongoDB where it can: a list field matches when any
// element matches, a missing key matches only $ne, $nin, $not and
// $exists:false. Numbers compare numerically (a numeric string against a
// number too), strings lexically, times as times (an operand string in
// RFC 3339 or "2006-01-02[ 15:04:05]" form against created_at), and values
// of different kinds never match an ordering operator.
//
// [Order] sorts by one or more keys ("-created_at", "+summary_metrics.loss,
// config.lr"); runs missing a key sort after the others in either
// direction.
//
// Config and summary JSON are parsed at most once per run and version: a
// [Cache] keyed by run id and UpdatedAt keeps the parsed form across
// filters and requests.
package runfilter
