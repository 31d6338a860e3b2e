package artifact

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/gowandb/wandb/core/record/recordpb"
)

// ToRecord turns a log request into the ArtifactRecord the run log keeps
// (W&B's offline form): the manifest with every entry's local path, and
// finalize set. Progress and HistoryStep are not part of the record.
func ToRecord(req LogRequest) (*recordpb.ArtifactRecord, error) {
	rec := &recordpb.ArtifactRecord{
		RunId:            req.Scope.Run,
		Project:          req.Scope.Project,
		Entity:           req.Scope.Entity,
		Type:             req.Type,
		Name:             req.Name,
		Digest:           req.Digest,
		Description:      req.Description,
		UserCreated:      req.Scope.Run == "",
		Aliases:          append([]string(nil), req.Aliases...),
		Tags:             append([]string(nil), req.Tags...),
		Finalize:         true,
		ClientId:         req.ClientID,
		IncrementalBeta1: req.Incremental,
	}
	if len(req.Metadata) > 0 {
		b, err := json.Marshal(req.Metadata)
		if err != nil {
			return nil, fmt.Errorf("artifact: record: metadata: %w", err)
		}
		rec.Metadata = string(b)
	}
	if req.Manifest != nil {
		m, err := ManifestToProto(req.Manifest)
		if err != nil {
			return nil, err
		}
		rec.Manifest = m
	}
	return rec, nil
}

// FromRecord reads an ArtifactRecord back into a log request; HistoryStep
// is -1 (the record does not carry it: a syncer that replays history
// rows knows the step the run was at).
func FromRecord(rec *recordpb.ArtifactRecord) (LogRequest, error) {
	req := LogRequest{
		Scope:       Scope{Entity: rec.GetEntity(), Project: rec.GetProject(), Run: rec.GetRunId()},
		Name:        rec.GetName(),
		Type:        rec.GetType(),
		Description: rec.GetDescription(),
		Aliases:     append([]string(nil), rec.GetAliases()...),
		Tags:        append([]string(nil), rec.GetTags()...),
		Digest:      rec.GetDigest(),
		HistoryStep: -1,
		ClientID:    rec.GetClientId(),
		Incremental: rec.GetIncrementalBeta1(),
	}
	if rec.GetUserCreated() {
		req.Scope.Run = ""
	}
	if md := rec.GetMetadata(); md != "" {
		if err := json.Unmarshal([]byte(md), &req.Metadata); err != nil {
			return LogRequest{}, fmt.Errorf("artifact: record %s: metadata: %w", rec.GetName(), err)
		}
	}
	m, err := ManifestFromProto(rec.GetManifest())
	if err != nil {
		return LogRequest{}, fmt.Errorf("artifact: record %s: %w", rec.GetName(), err)
	}
	req.Manifest = m
	if req.Digest == "" {
		req.Digest = m.Digest()
	}
	return req, nil
}

// ManifestToProto converts a manifest to the record form, keeping local
// paths.
func ManifestToProto(m *Manifest) (*recordpb.ArtifactManifest, error) {
	pm := &recordpb.ArtifactManifest{Version: int32(m.Version), StoragePolicy: m.StoragePolicy}
	if m.StoragePolicyConfig.StorageLayout != "" {
		pm.StoragePolicyConfig = append(pm.StoragePolicyConfig, &recordpb.StoragePolicyConfigItem{Key: "storageLayout", ValueJson: jsonString(m.StoragePolicyConfig.StorageLayout)})
	}
	if m.StoragePolicyConfig.StorageRegion != "" {
		pm.StoragePolicyConfig = append(pm.StoragePolicyConfig, &recordpb.StoragePolicyConfigItem{Key: "storageRegion", ValueJson: jsonString(m.StoragePolicyConfig.StorageRegion)})
	}
	for _, e := range m.Entries() {
		pe := &recordpb.ArtifactManifestEntry{
			Path: e.Path, Digest: e.Digest, Ref: e.Ref, Size: e.Size,
			LocalPath: e.LocalPath, BirthArtifactId: e.BirthArtifactID, SkipCache: e.SkipCache,
		}
		keys := make([]string, 0, len(e.Extra))
		for k := range e.Extra {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			b, err := json.Marshal(e.Extra[k])
			if err != nil {
				return nil, fmt.Errorf("artifact: entry %s: extra %s: %w", e.Path, k, err)
			}
			pe.Extra = append(pe.Extra, &recordpb.ExtraItem{Key: k, ValueJson: string(b)})
		}
		pm.Contents = append(pm.Contents, pe)
	}
	return pm, nil
}

// ManifestFromProto converts the record form back, validating entry paths
// and the version as ParseManifest does.
func ManifestFromProto(pm *recordpb.ArtifactManifest) (*Manifest, error) {
	if pm == nil {
		return nil, fmt.Errorf("%w: record has no manifest", ErrInvalidManifest)
	}
	if pm.GetVersion() != ManifestVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrInvalidManifest, pm.GetVersion(), ManifestVersion)
	}
	m := NewManifest()
	m.StoragePolicy = pm.GetStoragePolicy()
	m.StoragePolicyConfig = StorageConfig{}
	for _, it := range pm.GetStoragePolicyConfig() {
		var v string
		if err := json.Unmarshal([]byte(it.GetValueJson()), &v); err != nil {
			continue // not a string: not a key we know
		}
		switch it.GetKey() {
		case "storageLayout":
			m.StoragePolicyConfig.StorageLayout = v
		case "storageRegion":
			m.StoragePolicyConfig.StorageRegion = v
		}
	}
	for _, pe := range pm.GetContents() {
		e := Entry{
			Path: pe.GetPath(), Digest: pe.GetDigest(), Ref: pe.GetRef(), Size: pe.GetSize(),
			LocalPath: pe.GetLocalPath(), BirthArtifactID: pe.GetBirthArtifactId(), SkipCache: pe.GetSkipCache(),
		}
		for _, x := range pe.GetExtra() {
			var v any
			if err := json.Unmarshal([]byte(x.GetValueJson()), &v); err != nil {
				return nil, fmt.Errorf("%w: entry %s: extra %s: %w", ErrInvalidManifest, e.Path, x.GetKey(), err)
			}
			if e.Extra == nil {
				e.Extra = map[string]any{}
			}
			e.Extra[x.GetKey()] = v
		}
		if e.Digest == "" {
			return nil, fmt.Errorf("%w: entry %q has no digest", ErrInvalidManifest, e.Path)
		}
		if err := m.Put(e); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidManifest, err)
		}
	}
	return m, nil
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
