package server

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gowandb/wandb/core/server/gql"
	"github.com/gowandb/wandb/core/store"
)

// schemaFiles are the GraphQL schema, the documentation of what /graphql
// answers (see schema/base.graphql).
//
//go:embed schema/*.graphql
var schemaFiles embed.FS

// loadSchema parses the embedded schema once.
var loadSchema = sync.OnceValues(func() (*gql.Schema, error) {
	return gql.LoadSchema(schemaFiles, "schema/*.graphql")
})

// newExecutor returns the executor with every area's resolvers.
func (s *Server) newExecutor() (*gql.Executor, error) {
	sch, err := loadSchema()
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	e := gql.NewExecutor(sch)
	s.registerWire(e)
	s.registerQuery(e)
	s.registerArtifacts(e)
	s.registerAdmin(e)
	return e, nil
}

// registerWire registers the run wire protocol's root fields.
func (s *Server) registerWire(e *gql.Executor) {
	e.Query("viewer", s.opViewer)
	e.Query("serverInfo", s.opServerInfo)
	e.Query("model", s.opModel)
	e.Mutation("upsertBucket", s.opUpsertBucket)
	e.Mutation("createRunFiles", s.opCreateRunFiles)
	e.Mutation("stopRun", s.opStopRun)
}

// opStopRun is Mutation.stopRun(input: {id}): mark the run as asked to
// stop; its client sees it in file_stream responses.
func (s *Server) opStopRun(ctx context.Context, args map[string]any) (any, error) {
	in := argMap(args, "input")
	id := str(in, "id")
	rid, ok := parseNodeID("Run", id)
	if !ok {
		return nil, badRequestf("stopRun: malformed run id %q (want Run.id, as upsertBucket returns it)", id)
	}
	r, err := s.store.RunByID(ctx, rid)
	if err != nil {
		return nil, fmt.Errorf("stopRun: run %q: %w", id, err)
	}
	if err := s.checkEntity(ctx, r.Entity); err != nil {
		return nil, err
	}
	if err := s.store.StopRun(ctx, r.ID); err != nil {
		return nil, fmt.Errorf("stopRun %s/%s/%s: %w", r.Entity, r.Project, r.Name, err)
	}
	return map[string]any{"success": true, "clientMutationId": in["clientMutationId"]}, nil
}

func (s *Server) graphql(w http.ResponseWriter, r *http.Request) {
	var req gql.Request
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.maxBody))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("GraphQL request over %d bytes", tooBig.Limit))
			return
		}
		httpError(w, http.StatusBadRequest, fmt.Sprintf("malformed GraphQL request: %v", err))
		return
	}
	if !utf8.ValidString(req.Query) {
		httpError(w, http.StatusBadRequest, "malformed GraphQL request: the query is not valid UTF-8")
		return
	}
	if req.Variables == nil {
		req.Variables = map[string]any{}
	}
	resp := s.exec.Execute(context.WithValue(r.Context(), baseKey{}, requestBase(r)), req)
	code := http.StatusOK
	if resp.Invalid {
		code = http.StatusBadRequest
	}
	for i, e := range resp.Errors {
		if e.Err == nil {
			continue
		}
		switch c := status(e.Err); c {
		case http.StatusInternalServerError:
			s.log.Error("server: graphql", "op", req.OperationName, "path", e.Path, "err", e.Err)
			resp.Errors[i].Message = "internal server error"
			code = c
		case http.StatusForbidden:
			if code == http.StatusOK {
				code = c
			}
		}
	}
	writeJSON(w, code, resp)
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
			teams = append(teams, map[string]any{"node": entityValue(e)})
		}
	}
	return map[string]any{
		"id": nodeID("User", u.ID), "name": u.Name, "entity": u.Name, "username": u.Name, "email": u.Email,
		"admin": u.Admin, "flags": "{}", "teams": map[string]any{"edges": teams},
	}, nil
}

func entityValue(e store.Entity) map[string]any {
	return map[string]any{"id": nodeID("Entity", e.ID), "name": e.Name, "isTeam": e.IsTeam}
}

// features are the server features reported to clients: none of the
// optional ones yet.
var features = []map[string]any{}

func (s *Server) opServerInfo(context.Context, map[string]any) (any, error) {
	return map[string]any{
		"features": features, "cliVersionInfo": json.RawMessage("{}"), "latestLocalVersionInfo": nil,
	}, nil
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
	if err := store.ValidName("entity", entity); err != nil {
		return "", "", err
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

func (s *Server) opUpsertBucket(ctx context.Context, args map[string]any) (any, error) {
	vars := argMap(args, "input")
	entity, project, name := str(vars, "entityName"), str(vars, "modelName"), str(vars, "name")
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
	if err := store.ValidName("run", name); err != nil {
		return nil, err
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
	return map[string]any{"inserted": inserted, "bucket": s.runValue(r)}, nil
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

// opModel is Query.model(name, entityName): the project, null when it does
// not exist (RunResumeStatus asks for model { bucket(name, missingOk) }).
func (s *Server) opModel(ctx context.Context, args map[string]any) (any, error) {
	entity, project, err := s.entityProject(ctx, str(args, "entityName"), str(args, "name"))
	if err != nil {
		return nil, err
	}
	p, err := s.store.Project(ctx, entity, project)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("project %s/%s: %w", entity, project, err)
	}
	return &projectObj{s: s, p: p}, nil
}

// RunField computes a field of type Run that another area added to the
// schema (extend type Run).
type RunField func(ctx context.Context, r store.Run, args map[string]any) (any, error)

// ProjectField computes a field of type Project added by another area.
type ProjectField func(ctx context.Context, p store.Project, args map[string]any) (any, error)

// extendRun serves field name of type Run with f; extendProject likewise.
func (s *Server) extendRun(name string, f RunField) {
	if s.runFields == nil {
		s.runFields = map[string]RunField{}
	}
	s.runFields[name] = f
}

func (s *Server) extendProject(name string, f ProjectField) {
	if s.projectFields == nil {
		s.projectFields = map[string]ProjectField{}
	}
	s.projectFields[name] = f
}

// projectObj is a value of type Project.
type projectObj struct {
	s *Server
	p store.Project
}

func (o *projectObj) Field(ctx context.Context, name string, args map[string]any) (any, error) {
	p := o.p
	switch name {
	case "id":
		return nodeID("Project", p.ID), nil
	case "name":
		return p.Name, nil
	case "entityName":
		return p.Entity, nil
	case "entity":
		e, err := o.s.store.Entity(ctx, p.Entity)
		if err != nil {
			return nil, fmt.Errorf("entity %s: %w", p.Entity, err)
		}
		return entityValue(e), nil
	case "createdAt":
		return p.CreatedAt, nil
	case "bucket":
		r, err := o.s.store.Run(ctx, p.Entity, p.Name, str(args, "name"))
		if errors.Is(err, store.ErrNotFound) {
			if b, _ := args["missingOk"].(bool); b {
				return nil, nil
			}
			return nil, fmt.Errorf("run %s/%s/%s: %w", p.Entity, p.Name, str(args, "name"), err)
		}
		if err != nil {
			return nil, fmt.Errorf("run %s/%s/%s: %w", p.Entity, p.Name, str(args, "name"), err)
		}
		return o.s.runValue(r), nil
	}
	if f := o.s.projectFields[name]; f != nil {
		return f(ctx, p, args)
	}
	return nil, fmt.Errorf("server: Project.%s is not served", name)
}

// runValue is r as a value of type Run.
func (s *Server) runValue(r store.Run) *runObj { return &runObj{s: s, r: r} }

// runObj is a value of type Run.
type runObj struct {
	s *Server
	r store.Run
}

func (o *runObj) Field(ctx context.Context, name string, args map[string]any) (any, error) {
	r := &o.r
	switch name {
	case "id":
		return nodeID("Run", r.ID), nil
	case "name":
		return r.Name, nil
	case "displayName":
		return r.DisplayName, nil
	case "description", "notes":
		return r.Notes, nil
	case "config":
		return string(r.Config), nil
	case "summaryMetrics":
		return string(r.Summary), nil
	case "tags":
		if r.Tags == nil {
			return []string{}, nil
		}
		return r.Tags, nil
	case "group":
		return r.Group, nil
	case "jobType":
		return r.JobType, nil
	case "state":
		return string(r.State), nil
	case "sweepName":
		return nil, nil
	case "project":
		p, err := o.s.store.Project(ctx, r.Entity, r.Project)
		if err != nil {
			return nil, fmt.Errorf("project %s/%s: %w", r.Entity, r.Project, err)
		}
		return &projectObj{s: o.s, p: p}, nil
	case "historyLineCount":
		return r.HistoryLineCount, nil
	case "eventsLineCount":
		return r.EventsLineCount, nil
	case "logLineCount":
		return r.LogLineCount, nil
	case "historyTail":
		rows, err := o.s.store.HistoryTail(ctx, r.ID, resumeTail)
		if err != nil {
			return nil, fmt.Errorf("history tail: %w", err)
		}
		hist := make([]string, len(rows))
		for i, row := range rows {
			hist[i] = row.JSON
		}
		ht, _ := json.Marshal(hist)
		return string(ht), nil
	case "eventsTail":
		events, err := o.s.store.ReadLines(ctx, r.ID, store.StreamEvents, max(0, r.EventsLineCount-resumeTail), resumeTail)
		if err != nil {
			return nil, fmt.Errorf("events tail: %w", err)
		}
		et, _ := json.Marshal(append([]string{}, events...))
		return string(et), nil
	case "wandbConfig":
		return "{}", nil
	case "createdAt":
		return r.CreatedAt, nil
	case "heartbeatAt":
		return r.HeartbeatAt, nil
	case "updatedAt":
		return r.UpdatedAt, nil
	case "stopped":
		return r.Stopped, nil
	case "exitcode":
		return r.ExitCode, nil
	}
	if f := o.s.runFields[name]; f != nil {
		return f(ctx, o.r, args)
	}
	return nil, fmt.Errorf("server: Run.%s is not served", name)
}
