package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gowandb/wandb/core/store"
)

// gqlRequest is a GraphQL request body.
type gqlRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
}

// gqlOp answers one operation from its variables.
type gqlOp func(s *Server, ctx context.Context, vars map[string]any) (any, error)

// operations are the GraphQL operations served, by operationName. The
// response shapes follow the queries W&B clients send (see core/sender).
var operations = map[string]gqlOp{
	"Viewer":              (*Server).opViewer,
	"ServerInfo":          (*Server).opServerInfo,
	"ServerFeaturesQuery": (*Server).opServerInfo,
	"UpsertBucket":        (*Server).opUpsertBucket,
	"RunResumeStatus":     (*Server).opRunResumeStatus,
	"CreateRunFiles":      (*Server).opCreateRunFiles,
}

func (s *Server) graphql(w http.ResponseWriter, r *http.Request) {
	var req gqlRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.maxBody)).Decode(&req); err != nil {
		httpError(w, http.StatusBadRequest, fmt.Sprintf("malformed GraphQL request: %v", err))
		return
	}
	op := operations[req.OperationName]
	if op == nil {
		writeJSON(w, http.StatusOK, gqlErrors(fmt.Sprintf("unknown operation %q: this server answers %s",
			req.OperationName, strings.Join(opNames(), ", "))))
		return
	}
	if req.Variables == nil {
		req.Variables = map[string]any{}
	}
	data, err := op(s, context.WithValue(r.Context(), baseKey{}, requestBase(r)), req.Variables)
	if err != nil {
		code := status(err)
		if code == http.StatusInternalServerError {
			s.log.Error("server: graphql", "op", req.OperationName, "err", err)
			writeJSON(w, code, gqlErrors("internal server error"))
			return
		}
		if code != http.StatusForbidden {
			code = http.StatusOK // GraphQL reports errors in the body
		}
		writeJSON(w, code, gqlErrors(err.Error()))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

func gqlErrors(msg string) map[string]any {
	return map[string]any{"data": nil, "errors": []map[string]any{{"message": msg}}}
}

func opNames() []string {
	return []string{"CreateRunFiles", "RunResumeStatus", "ServerFeaturesQuery", "ServerInfo", "UpsertBucket", "Viewer"}
}

// nodeID is a GraphQL global id: base64("Type:id").
func nodeID(typ string, id int64) string {
	return base64.StdEncoding.EncodeToString([]byte(typ + ":" + strconv.FormatInt(id, 10)))
}

func parseNodeID(typ, s string) (int64, bool) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	t, id, ok := strings.Cut(string(b), ":")
	if !ok || t != typ {
		return 0, false
	}
	n, err := strconv.ParseInt(id, 10, 64)
	return n, err == nil
}

func str(vars map[string]any, k string) string {
	s, _ := vars[k].(string)
	return s
}

func (s *Server) opViewer(ctx context.Context, _ map[string]any) (any, error) {
	u := userFrom(ctx)
	ents, err := s.store.EntitiesOf(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("viewer %q: %w", u.Name, err)
	}
	teams := []any{}
	for _, e := range ents {
		if e.IsTeam {
			teams = append(teams, map[string]any{"node": map[string]any{"name": e.Name}})
		}
	}
	return map[string]any{"viewer": map[string]any{
		"id": nodeID("User", u.ID), "entity": u.Name, "username": u.Name, "email": u.Email,
		"admin": u.Admin, "flags": "{}", "teams": map[string]any{"edges": teams},
	}}, nil
}

// features are the server features reported to clients: none of the
// optional ones yet.
var features = []map[string]any{}

func (s *Server) opServerInfo(context.Context, map[string]any) (any, error) {
	return map[string]any{"serverInfo": map[string]any{
		"features": features, "cliVersionInfo": map[string]any{}, "latestLocalVersionInfo": nil,
	}}, nil
}

// entityProject resolves the entity and project of a request, defaulting
// to the user's entity and "uncategorized", and checks access.
func (s *Server) entityProject(ctx context.Context, entity, project string) (string, string, error) {
	if entity == "" {
		entity = userFrom(ctx).Name
	}
	if project == "" {
		project = "uncategorized"
	}
	if err := store.ValidName("project", project); err != nil {
		return "", "", err
	}
	return entity, project, s.checkEntity(ctx, entity)
}

// jsonObject reads a JSONString variable (a string holding JSON, or an
// object sent as is) as a JSON object; nil when absent.
func jsonObject(vars map[string]any, k string) (map[string]any, error) {
	v, ok := vars[k]
	if !ok || v == nil {
		return nil, nil
	}
	switch x := v.(type) {
	case map[string]any:
		return x, nil
	case string:
		var m map[string]any
		if err := json.Unmarshal([]byte(x), &m); err != nil || m == nil {
			return nil, badRequestf("%s is not a JSON object", k)
		}
		return m, nil
	}
	return nil, badRequestf("%s is not a JSON object", k)
}

// wandbConfig puts each plain config value in W&B's {"value": v} form and
// keeps values already in it.
func wandbConfig(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if o, ok := v.(map[string]any); ok {
			if _, has := o["value"]; has {
				out[k] = o
				continue
			}
		}
		out[k] = map[string]any{"value": v}
	}
	return out
}

func optStr(vars map[string]any, k string) *string {
	if v, ok := vars[k].(string); ok {
		return &v
	}
	return nil
}

func (s *Server) opUpsertBucket(ctx context.Context, vars map[string]any) (any, error) {
	entity, project, name := str(vars, "entity"), str(vars, "project"), str(vars, "name")
	if id := str(vars, "id"); id != "" {
		rid, ok := parseNodeID("Run", id)
		if !ok {
			return nil, badRequestf("malformed run id %q", id)
		}
		r, err := s.store.RunByID(ctx, rid)
		if err != nil {
			return nil, fmt.Errorf("run %q: %w", id, err)
		}
		entity, project, name = r.Entity, r.Project, r.Name
	}
	entity, project, err := s.entityProject(ctx, entity, project)
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = randomName()
	}
	u := store.RunUpsert{Entity: entity, Project: project, Name: name,
		DisplayName: optStr(vars, "displayName"), Notes: optStr(vars, "notes"),
		Group: optStr(vars, "groupName"), JobType: optStr(vars, "jobType")}
	if t, ok := vars["tags"].([]any); ok {
		tags := make([]string, 0, len(t))
		for _, x := range t {
			s, ok := x.(string)
			if !ok {
				return nil, badRequestf("tags must be strings")
			}
			tags = append(tags, s)
		}
		u.Tags = &tags
	}
	cfg, err := jsonObject(vars, "config")
	if err != nil {
		return nil, err
	}
	if cfg != nil {
		if u.Config, err = json.Marshal(wandbConfig(cfg)); err != nil {
			return nil, fmt.Errorf("encoding config: %w", err)
		}
	}
	sum, err := jsonObject(vars, "summaryMetrics")
	if err != nil {
		return nil, err
	}
	if sum != nil {
		if u.Summary, err = json.Marshal(sum); err != nil {
			return nil, fmt.Errorf("encoding summary: %w", err)
		}
	}
	if st := str(vars, "state"); st != "" {
		rs := store.RunState(st)
		if !rs.Valid() {
			return nil, badRequestf("unknown run state %q", st)
		}
		u.State = &rs
	}
	_, err = s.store.Run(ctx, entity, project, name)
	inserted := errors.Is(err, store.ErrNotFound)
	if err != nil && !inserted {
		return nil, fmt.Errorf("run %s/%s/%s: %w", entity, project, name, err)
	}
	r, err := s.store.UpsertRun(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("upserting run %s/%s/%s: %w", entity, project, name, err)
	}
	p, err := s.store.Project(ctx, entity, project)
	if err != nil {
		return nil, fmt.Errorf("project %s/%s: %w", entity, project, err)
	}
	ent, err := s.store.Entity(ctx, entity)
	if err != nil {
		return nil, fmt.Errorf("entity %s: %w", entity, err)
	}
	return map[string]any{"upsertBucket": map[string]any{"inserted": inserted, "bucket": map[string]any{
		"id": nodeID("Run", r.ID), "name": r.Name, "displayName": r.DisplayName, "description": r.Notes,
		"config": string(r.Config), "sweepName": nil, "historyLineCount": r.HistoryLineCount,
		"project": map[string]any{"id": nodeID("Project", p.ID), "name": p.Name,
			"entity": map[string]any{"id": nodeID("Entity", ent.ID), "name": ent.Name}},
	}}}, nil
}

// randomName is a new run id: 8 lowercase letters and digits.
func randomName() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// resumeTail is how many history and events lines RunResumeStatus returns.
const resumeTail = 10

func (s *Server) opRunResumeStatus(ctx context.Context, vars map[string]any) (any, error) {
	entity, project, err := s.entityProject(ctx, str(vars, "entity"), str(vars, "project"))
	if err != nil {
		return nil, err
	}
	p, err := s.store.Project(ctx, entity, project)
	if errors.Is(err, store.ErrNotFound) {
		return map[string]any{"model": nil}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("project %s/%s: %w", entity, project, err)
	}
	model := map[string]any{"id": nodeID("Project", p.ID), "name": p.Name,
		"entity": map[string]any{"name": entity}, "bucket": nil}
	r, err := s.store.Run(ctx, entity, project, str(vars, "name"))
	if errors.Is(err, store.ErrNotFound) {
		return map[string]any{"model": model}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("run %s/%s/%s: %w", entity, project, str(vars, "name"), err)
	}
	rows, err := s.store.HistoryTail(ctx, r.ID, resumeTail)
	if err != nil {
		return nil, fmt.Errorf("history tail: %w", err)
	}
	hist := make([]string, len(rows))
	for i, row := range rows {
		hist[i] = row.JSON
	}
	events, err := s.store.ReadLines(ctx, r.ID, store.StreamEvents, max(0, r.EventsLineCount-resumeTail), resumeTail)
	if err != nil {
		return nil, fmt.Errorf("events tail: %w", err)
	}
	ht, _ := json.Marshal(hist)
	et, _ := json.Marshal(append([]string{}, events...))
	tags := r.Tags
	if tags == nil {
		tags = []string{}
	}
	model["bucket"] = map[string]any{
		"id": nodeID("Run", r.ID), "name": r.Name, "displayName": r.DisplayName,
		"summaryMetrics": string(r.Summary), "config": string(r.Config), "tags": tags, "notes": r.Notes,
		"logLineCount": r.LogLineCount, "historyLineCount": r.HistoryLineCount,
		"eventsLineCount": r.EventsLineCount, "historyTail": string(ht), "eventsTail": string(et),
		"wandbConfig": "{}",
	}
	return map[string]any{"model": model}, nil
}
