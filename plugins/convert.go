package plugins

// The one place where the generated gRPC messages and the domain types meet
// (Terraform's internal/plugin/convert). Conversions from the wire are
// lenient where the domain type can hold the oddity (an unknown log level
// becomes a Level that Validate refuses), so that garbage is judged in one
// place, by Emission.Validate in the host.

import (
	"encoding/json"
	"fmt"

	pb "github.com/gowandb/wandb/plugins/proto"
)

func manifestToProto(m Manifest) *pb.Manifest {
	return &pb.Manifest{
		Name: m.Name, Version: m.Version, ProtocolVersion: int32(m.ProtocolVersion),
		Provides: m.Provides, Description: m.Description,
	}
}

func manifestFromProto(m *pb.Manifest) Manifest {
	return Manifest{
		Name: m.GetName(), Version: m.GetVersion(), ProtocolVersion: int(m.GetProtocolVersion()),
		Provides: m.GetProvides(), Description: m.GetDescription(),
	}
}

func runInfoToProto(r RunInfo) (*pb.RunInfo, error) {
	cfg, err := appendJSON(nil, map[string]any(r.Config))
	if err != nil {
		return nil, fmt.Errorf("plugins: run config: %w", err)
	}
	return &pb.RunInfo{Id: r.ID, Name: r.Name, Project: r.Project, Entity: r.Entity, Dir: r.Dir, ConfigJson: cfg}, nil
}

func runInfoFromProto(r *pb.RunInfo) (RunInfo, error) {
	cfg, err := decodeObject(r.GetConfigJson())
	if err != nil {
		return RunInfo{}, fmt.Errorf("plugins: run config: %w", err)
	}
	return RunInfo{
		ID: r.GetId(), Name: r.GetName(), Project: r.GetProject(), Entity: r.GetEntity(),
		Dir: r.GetDir(), Config: cfg,
	}, nil
}

var dtypeToProto = map[DType]pb.DType{Float32: pb.DType_DTYPE_FLOAT32, Float64: pb.DType_DTYPE_FLOAT64}

// observationsToProto converts a batch. Messages and oneof wrappers are
// allocated in blocks: a batch costs a few allocations, not a few per
// observation.
func observationsToProto(batch []Observation) []*pb.Observation {
	msgs := make([]pb.Observation, len(batch))
	ptrs := make([]*pb.Observation, len(batch))
	var scalars []pb.Observation_Scalar
	for i := range batch {
		o := &batch[i]
		m := &msgs[i]
		m.Key, m.Step = o.Key, o.Step
		switch o.Kind {
		case KindScalar:
			if scalars == nil {
				scalars = make([]pb.Observation_Scalar, len(batch))
			}
			scalars[i].Scalar = o.Scalar
			m.Value = &scalars[i]
		case KindTensor:
			t := o.Tensor
			shape := make([]int64, len(t.Shape))
			for j, d := range t.Shape {
				shape[j] = int64(d)
			}
			m.Value = &pb.Observation_Tensor{Tensor: &pb.Tensor{
				Shape: shape, Dtype: dtypeToProto[t.DType], Float32: t.Float32, Float64: t.Float64,
			}}
		case KindFrame:
			f := o.Frame
			m.Value = &pb.Observation_Frame{Frame: &pb.Frame{Width: int32(f.Width), Height: int32(f.Height), Rgba: f.RGBA}}
		}
		ptrs[i] = m
	}
	return ptrs
}

// observationsFromProto converts a batch received by a plugin. The host
// validated every observation before sending it.
func observationsFromProto(msgs []*pb.Observation) []Observation {
	out := make([]Observation, len(msgs))
	for i, m := range msgs {
		o := &out[i]
		o.Key, o.Step = m.GetKey(), m.GetStep()
		switch v := m.GetValue().(type) {
		case *pb.Observation_Scalar:
			o.Kind, o.Scalar = KindScalar, v.Scalar
		case *pb.Observation_Tensor:
			t := &Tensor{Shape: make([]int, len(v.Tensor.GetShape())), Float32: v.Tensor.GetFloat32(), Float64: v.Tensor.GetFloat64()}
			for j, d := range v.Tensor.GetShape() {
				t.Shape[j] = int(d)
			}
			switch v.Tensor.GetDtype() {
			case pb.DType_DTYPE_FLOAT32:
				t.DType = Float32
				if t.Float32 == nil {
					t.Float32 = []float32{}
				}
			case pb.DType_DTYPE_FLOAT64:
				t.DType = Float64
				if t.Float64 == nil {
					t.Float64 = []float64{}
				}
			}
			o.Kind, o.Tensor = KindTensor, t
		case *pb.Observation_Frame:
			o.Kind = KindFrame
			o.Frame = &Frame{Width: int(v.Frame.GetWidth()), Height: int(v.Frame.GetHeight()), RGBA: v.Frame.GetRgba()}
		}
	}
	return out
}

var levelToProto = map[Level]pb.Level{
	LevelDebug: pb.Level_LEVEL_DEBUG, LevelInfo: pb.Level_LEVEL_INFO,
	LevelWarn: pb.Level_LEVEL_WARN, LevelError: pb.Level_LEVEL_ERROR,
}

func levelFromProto(l pb.Level) Level {
	for k, v := range levelToProto {
		if v == l {
			return k
		}
	}
	return Level(fmt.Sprintf("level(%d)", int32(l)))
}

func valuesToProto(m map[string]json.RawMessage) []*pb.Value {
	if len(m) == 0 {
		return nil
	}
	out := make([]*pb.Value, 0, len(m))
	for k, v := range m {
		out = append(out, &pb.Value{Key: k, Json: v})
	}
	return out
}

func valuesFromProto(vs []*pb.Value) map[string]json.RawMessage {
	if len(vs) == 0 {
		return nil
	}
	m := make(map[string]json.RawMessage, len(vs))
	for _, v := range vs {
		m[v.GetKey()] = v.GetJson()
	}
	return m
}

// emissionToProto converts an emission sent by a plugin. An unknown level
// goes out as LEVEL_UNSPECIFIED, which the host refuses.
func emissionToProto(e Emission) *pb.Emission {
	m := &pb.Emission{Summary: valuesToProto(e.Summary), Config: valuesToProto(e.Config)}
	if h := e.History; h != nil {
		m.History = &pb.HistoryRow{Step: h.Step, Values: valuesToProto(h.Row)}
	}
	for _, f := range e.Files {
		m.Files = append(m.Files, &pb.File{Path: f.Path, Data: f.Data})
	}
	if l := e.Log; l != nil {
		m.Log = &pb.LogLine{Level: levelToProto[l.Level], Text: l.Text}
	}
	return m
}

func emissionFromProto(m *pb.Emission) Emission {
	e := Emission{Summary: valuesFromProto(m.GetSummary()), Config: valuesFromProto(m.GetConfig())}
	if h := m.GetHistory(); h != nil {
		e.History = &HistoryRow{Step: h.GetStep(), Row: valuesFromProto(h.GetValues())}
	}
	for _, f := range m.GetFiles() {
		e.Files = append(e.Files, File{Path: f.GetPath(), Data: f.Data})
	}
	if l := m.GetLog(); l != nil {
		e.Log = &LogLine{Level: levelFromProto(l.GetLevel()), Text: l.GetText()}
	}
	return e
}
