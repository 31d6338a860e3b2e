package plugins

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "github.com/gowandb/wandb/plugins/proto"
)

// GRPCPlugin is go-plugin's plugin for the gowandb contract: in a plugin
// process GRPCServer serves Impl, in the host GRPCClient returns a Plugin
// that talks to the process.
type GRPCPlugin struct {
	goplugin.NetRPCUnsupportedPlugin
	// Impl is the plugin served (nil in the host).
	Impl Plugin
}

var _ goplugin.GRPCPlugin = (*GRPCPlugin)(nil)

// GRPCServer registers the Plugin service for p.Impl.
func (p *GRPCPlugin) GRPCServer(_ *goplugin.GRPCBroker, s *grpc.Server) error {
	if p.Impl == nil {
		return errors.New("plugins: GRPCPlugin.Impl is nil")
	}
	pb.RegisterPluginServer(s, &grpcServer{impl: p.Impl})
	return nil
}

// GRPCClient returns the Plugin of the process at the other end of conn. It
// asks the plugin for its manifest first (bounded by ctx, which go-plugin
// cancels when the process exits) and fails with a *VersionError if the
// plugin reports another protocol version. The returned Plugin also
// implements Liveness.
func (p *GRPCPlugin) GRPCClient(ctx context.Context, _ *goplugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return NewGRPCClient(ctx, conn)
}

// NewGRPCClient is GRPCClient for a connection made without go-plugin. The
// session stream of the returned Plugin ends when ctx does.
func NewGRPCClient(ctx context.Context, conn grpc.ClientConnInterface) (Plugin, error) {
	c := &grpcClient{rpc: pb.NewPluginClient(conn), parent: ctx, done: make(chan struct{}), pending: map[uint64]pendingCall{}}
	m, err := c.rpc.Describe(ctx, &pb.DescribeRequest{})
	if err != nil {
		return nil, fmt.Errorf("plugins: describe: %w: %w", ErrConnection, err)
	}
	c.manifest = manifestFromProto(m)
	if c.manifest.ProtocolVersion != ProtocolVersion {
		return nil, &VersionError{Plugin: fmt.Sprintf("plugin %q", c.manifest.Name), Host: ProtocolVersion, PluginVersion: c.manifest.ProtocolVersion}
	}
	return c, nil
}

// grpcServer serves a Plugin in the plugin process: one session at a time,
// events handled in order on the stream's goroutine.
type grpcServer struct {
	pb.UnimplementedPluginServer
	impl Plugin
	mu   sync.Mutex // one session at a time
}

func (s *grpcServer) Describe(context.Context, *pb.DescribeRequest) (*pb.Manifest, error) {
	m := s.impl.Manifest()
	m.ProtocolVersion = ProtocolVersion
	return manifestToProto(m), nil
}

func (s *grpcServer) Session(stream grpc.BidiStreamingServer[pb.HostMessage, pb.PluginMessage]) error {
	if !s.mu.TryLock() {
		return errors.New("plugins: a session is already open")
	}
	defer s.mu.Unlock()
	ctx := stream.Context()
	em := &streamEmitter{stream: stream}
	defer em.close()
	started := false
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil // the host went away without Finish
		}
		if err != nil {
			return err
		}
		var callErr error
		switch ev := msg.GetEvent().(type) {
		case *pb.HostMessage_Start:
			if started {
				return errors.New("plugins: second Start in a session")
			}
			started = true
			info, err := runInfoFromProto(ev.Start.GetRun())
			if err != nil {
				callErr = err
				break
			}
			callErr = s.impl.Start(ctx, info, em)
		case *pb.HostMessage_Observe:
			callErr = s.impl.Observe(ctx, observationsFromProto(ev.Observe.GetObservations()))
		case *pb.HostMessage_Flush:
			callErr = s.impl.Flush(ctx)
		case *pb.HostMessage_Finish:
			callErr = s.impl.Finish(ctx)
			em.close()
			return em.ack(msg.GetSeq(), callErr)
		default:
			return fmt.Errorf("plugins: unknown host event %T", ev)
		}
		if err := em.ack(msg.GetSeq(), callErr); err != nil {
			return err
		}
	}
}

// streamEmitter is the Emitter of the plugin side: emissions and acks share
// the stream, so an ack follows every emission made before it.
type streamEmitter struct {
	mu     sync.Mutex
	stream grpc.BidiStreamingServer[pb.HostMessage, pb.PluginMessage]
	closed bool
}

func (e *streamEmitter) Emit(em Emission) error {
	msg := &pb.PluginMessage{Msg: &pb.PluginMessage_Emission{Emission: emissionToProto(em)}}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	if err := e.stream.Send(msg); err != nil {
		return fmt.Errorf("plugins: emit: %w: %w", ErrConnection, err)
	}
	return nil
}

func (e *streamEmitter) ack(seq uint64, callErr error) error {
	a := &pb.Ack{Seq: seq}
	if callErr != nil {
		a.Error = callErr.Error()
		if a.Error == "" {
			a.Error = "error"
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stream.Send(&pb.PluginMessage{Msg: &pb.PluginMessage_Ack{Ack: a}})
}

func (e *streamEmitter) close() {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
}

// grpcClient is the host's Plugin for a plugin process. Calls are
// serialised by the host; each sends one event and waits for its ack. A
// goroutine receives the plugin's messages, handing emissions to the
// Emitter given to Start in stream order.
type grpcClient struct {
	rpc      pb.PluginClient
	manifest Manifest
	parent   context.Context

	sendMu sync.Mutex // serialises stream sends

	mu      sync.Mutex // guards the fields below; never held while blocking
	stream  grpc.BidiStreamingClient[pb.HostMessage, pb.PluginMessage]
	cancel  context.CancelFunc
	seq     uint64
	pending map[uint64]pendingCall
	emit    Emitter

	cause error // why the host broke the stream (a call's deadline), if it did

	done chan struct{} // closed when the stream has ended
	err  error         // why, set before done is closed
}

// pendingCall is an event waiting for its ack.
type pendingCall struct {
	op    string
	reply chan error
}

var (
	_ Plugin   = (*grpcClient)(nil)
	_ Liveness = (*grpcClient)(nil)
)

func (c *grpcClient) Manifest() Manifest { return c.manifest }

// Done is closed when the session stream has ended.
func (c *grpcClient) Done() <-chan struct{} { return c.done }

// Err is why the stream ended: nil after Finish; an error wrapping the
// context's error if a call outlived its context (the host broke the
// session); else an error wrapping ErrConnection. It is nil while Done is
// open.
func (c *grpcClient) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

func (c *grpcClient) Start(ctx context.Context, run RunInfo, emit Emitter) error {
	info, err := runInfoToProto(run)
	if err != nil {
		return err
	}
	c.mu.Lock()
	if c.stream != nil {
		c.mu.Unlock()
		return errors.New("plugins: start: session already started")
	}
	sctx, cancel := context.WithCancel(c.parent)
	stream, err := c.rpc.Session(sctx)
	if err != nil {
		c.mu.Unlock()
		cancel()
		return fmt.Errorf("plugins: start: %w: %w", ErrConnection, err)
	}
	c.stream, c.cancel, c.emit = stream, cancel, emit
	c.mu.Unlock()
	go c.receive()
	return c.call(ctx, "start", &pb.HostMessage{Event: &pb.HostMessage_Start{Start: &pb.Start{Run: info}}})
}

func (c *grpcClient) Observe(ctx context.Context, batch []Observation) error {
	return c.call(ctx, "observe", &pb.HostMessage{Event: &pb.HostMessage_Observe{Observe: &pb.ObserveBatch{Observations: observationsToProto(batch)}}})
}

func (c *grpcClient) Flush(ctx context.Context) error {
	return c.call(ctx, "flush", &pb.HostMessage{Event: &pb.HostMessage_Flush{Flush: &pb.Flush{}}})
}

// Finish sends Finish, waits for its ack and for the plugin to end the
// stream.
func (c *grpcClient) Finish(ctx context.Context) error {
	if err := c.call(ctx, "finish", &pb.HostMessage{Event: &pb.HostMessage_Finish{Finish: &pb.Finish{}}}); err != nil {
		return err
	}
	c.sendMu.Lock()
	_ = c.stream.CloseSend()
	c.sendMu.Unlock()
	select {
	case <-c.done:
	case <-ctx.Done():
		err := fmt.Errorf("plugins: finish: waiting for the plugin to end the session: %w", ctx.Err())
		c.breakSession(err)
		return err
	}
	return c.Err()
}

// call sends one event and waits for its ack. If ctx ends first the stream
// is cancelled: a session whose call outlived its deadline is broken.
func (c *grpcClient) call(ctx context.Context, op string, msg *pb.HostMessage) error {
	reply := make(chan error, 1)
	c.sendMu.Lock() // held across numbering and sending: events go out in seq order
	c.mu.Lock()
	stream := c.stream
	if stream == nil {
		c.mu.Unlock()
		c.sendMu.Unlock()
		return fmt.Errorf("plugins: %s before start: %w", op, ErrClosed)
	}
	select {
	case <-c.done:
		c.mu.Unlock()
		c.sendMu.Unlock()
		return c.sessionErr(op)
	default:
	}
	c.seq++
	msg.Seq = c.seq
	c.pending[msg.Seq] = pendingCall{op: op, reply: reply}
	c.mu.Unlock()
	// Send blocks while the plugin does not read (flow control); breaking
	// the session when ctx ends unblocks it. breakSession takes only c.mu.
	stop := context.AfterFunc(ctx, func() { c.breakSession(fmt.Errorf("plugins: %s: %w", op, ctx.Err())) })
	defer stop()
	err := stream.Send(msg)
	c.sendMu.Unlock()
	if err != nil {
		<-c.done // a failed Send means the stream is gone; receive says why
		return c.sessionErr(op)
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return fmt.Errorf("plugins: %s: %w", op, ctx.Err())
	case <-c.done:
		select {
		case err := <-reply: // the ack came just before the stream ended
			return err
		default:
		}
		return c.sessionErr(op)
	}
}

// breakSession cancels the stream; cause is what Err reports.
func (c *grpcClient) breakSession(cause error) {
	c.mu.Lock()
	if c.cause == nil {
		c.cause = cause
	}
	c.mu.Unlock()
	c.cancel()
}

// sessionErr is the error of a call on an ended session; only after done.
func (c *grpcClient) sessionErr(op string) error {
	if c.err != nil {
		return fmt.Errorf("plugins: %s: %w", op, c.err)
	}
	return fmt.Errorf("plugins: %s: %w", op, ErrClosed)
}

// receive reads the plugin's messages until the stream ends.
func (c *grpcClient) receive() {
	var end error
	defer func() {
		c.mu.Lock()
		c.err = end
		pending := c.pending
		c.pending = map[uint64]pendingCall{}
		c.mu.Unlock()
		for _, p := range pending {
			p.reply <- c.sessionErr(p.op)
		}
		c.cancel()
		close(c.done)
	}()
	for {
		msg, err := c.stream.Recv()
		if errors.Is(err, io.EOF) {
			c.mu.Lock()
			open := len(c.pending)
			c.mu.Unlock()
			if open > 0 {
				end = fmt.Errorf("%w: the plugin ended the session with %d event(s) unanswered", ErrConnection, open)
			}
			return
		}
		if err != nil {
			c.mu.Lock()
			end = c.cause
			c.mu.Unlock()
			if end == nil {
				end = fmt.Errorf("%w: %w", ErrConnection, err)
			}
			return
		}
		switch m := msg.GetMsg().(type) {
		case *pb.PluginMessage_Emission:
			// The Emitter judges the emission (and disables a plugin that
			// sends garbage); its error is not the transport's.
			_ = c.emit.Emit(emissionFromProto(m.Emission))
		case *pb.PluginMessage_Ack:
			seq := m.Ack.GetSeq()
			c.mu.Lock()
			p, ok := c.pending[seq]
			delete(c.pending, seq)
			c.mu.Unlock()
			if !ok {
				end = fmt.Errorf("%w: protocol violation: ack for unknown event %d", ErrConnection, seq)
				return
			}
			if e := m.Ack.GetError(); e != "" {
				p.reply <- &RemoteError{Op: p.op, Msg: e}
			} else {
				p.reply <- nil
			}
		default:
			end = fmt.Errorf("%w: protocol violation: message without content", ErrConnection)
			return
		}
	}
}
