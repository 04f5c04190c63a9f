package blob

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 keeps content in a bucket of an S3-compatible object store (AWS S3,
// MinIO, Ceph RGW, the government clouds' OSS, VersityGW) as objects
// <prefix>files/<sha256>. Objects are written without any ACL, so they are
// as private as the bucket (keep it so: the portal never lists it and needs
// no public access); the portal reads them with its own credentials and
// streams them to callers its access checks let through.
type S3 struct {
	core   *minio.Core
	bucket string
	prefix string // "" or ending in "/"
}

// ParseS3URL reads s3://ACCESS:SECRET@host[:port]/bucket[/prefix] with the
// query options region=…, tls=false (plain HTTP, for a store on the same
// host or network; default true) and lookup=path|dns (how the bucket is
// addressed; default: the client's guess, path style for most hosts).
// The access key and secret are percent-encoded where they hold reserved
// characters.
func ParseS3URL(raw string) (*S3, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the URL, secret and all: keep only its reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("PORTAL_S3_URL is not a URL: %v", err)
	}
	if u.Scheme != "s3" || u.Host == "" {
		return nil, errors.New("PORTAL_S3_URL must look like s3://ACCESS:SECRET@host:port/bucket")
	}
	access := u.User.Username()
	secret, _ := u.User.Password()
	if access == "" || secret == "" {
		return nil, errors.New("PORTAL_S3_URL needs an access key and a secret: s3://ACCESS:SECRET@host:port/bucket")
	}
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	if bucket == "" {
		return nil, errors.New("PORTAL_S3_URL names no bucket: s3://ACCESS:SECRET@host:port/bucket")
	}
	if prefix = strings.Trim(prefix, "/"); prefix != "" {
		prefix += "/"
	}
	q := u.Query()
	opts := &minio.Options{Creds: credentials.NewStaticV4(access, secret, ""), Secure: true, Region: q.Get("region")}
	if v := q.Get("tls"); v != "" {
		if opts.Secure, err = strconv.ParseBool(v); err != nil {
			return nil, fmt.Errorf("PORTAL_S3_URL: tls=%q is not true or false", v)
		}
	}
	switch q.Get("lookup") {
	case "":
	case "path":
		opts.BucketLookup = minio.BucketLookupPath
	case "dns":
		opts.BucketLookup = minio.BucketLookupDNS
	default:
		return nil, fmt.Errorf("PORTAL_S3_URL: lookup=%q is not path or dns", q.Get("lookup"))
	}
	for k := range q {
		if k != "region" && k != "tls" && k != "lookup" {
			return nil, fmt.Errorf("PORTAL_S3_URL: unknown option %q (region, tls, lookup)", k)
		}
	}
	core, err := minio.NewCore(u.Host, opts)
	if err != nil {
		return nil, fmt.Errorf("PORTAL_S3_URL: %w", err)
	}
	return &S3{core: core, bucket: bucket, prefix: prefix}, nil
}

// WithPrefix is the same store with keys under one more prefix (tests keep
// their objects apart this way).
func (s *S3) WithPrefix(p string) *S3 {
	return &S3{core: s.core, bucket: s.bucket, prefix: s.prefix + strings.Trim(p, "/") + "/"}
}

// Bucket names the bucket.
func (s *S3) Bucket() string { return s.bucket }

// Check reports whether the bucket exists and the credentials reach it, so
// a wrong setting stops the portal at start rather than at an upload.
func (s *S3) Check(ctx context.Context) error {
	ok, err := s.core.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("object store: bucket %q: %w", s.bucket, err)
	}
	if !ok {
		return fmt.Errorf("object store: bucket %q does not exist", s.bucket)
	}
	// A bucket policy that lets anyone in would publish every file to
	// whoever guesses or learns a hash (and may list them all): refuse to
	// start on one. A store that cannot tell (no policies, or no right to
	// read them) is taken as it is.
	pol, err := s.core.GetBucketPolicy(ctx, s.bucket)
	if err == nil && publicPolicy(pol) {
		return fmt.Errorf("object store: bucket %q has a policy that allows anonymous access; the portal's files must stay private (remove the policy)", s.bucket)
	}
	return nil
}

// publicPolicy reports whether a bucket policy (IAM JSON) allows anyone
// ("Principal": "*" or {"AWS": "*"}) something without a condition.
func publicPolicy(doc string) bool {
	if strings.TrimSpace(doc) == "" {
		return false
	}
	var p struct {
		Statement json.RawMessage
	}
	if json.Unmarshal([]byte(doc), &p) != nil {
		return true // unreadable: assume the worst
	}
	type statement struct {
		Effect    string
		Principal json.RawMessage
		Condition json.RawMessage
	}
	var list []statement
	if json.Unmarshal(p.Statement, &list) != nil {
		var one statement
		if json.Unmarshal(p.Statement, &one) != nil {
			return true
		}
		list = []statement{one}
	}
	anyone := func(raw json.RawMessage) bool {
		var str string
		if json.Unmarshal(raw, &str) == nil {
			return str == "*"
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			return true
		}
		for _, v := range m {
			var one string
			if json.Unmarshal(v, &one) == nil && one == "*" {
				return true
			}
			var many []string
			if json.Unmarshal(v, &many) == nil && slices.Contains(many, "*") {
				return true
			}
		}
		return false
	}
	for _, st := range list {
		cond := strings.TrimSpace(string(st.Condition))
		if st.Effect == "Allow" && anyone(st.Principal) && (cond == "" || cond == "null" || cond == "{}") {
			return true
		}
	}
	return false
}

// EnsureBucket creates the bucket when it is missing (tests; a deployment
// creates its private bucket itself).
func (s *S3) EnsureBucket(ctx context.Context) error {
	ok, err := s.core.BucketExists(ctx, s.bucket)
	if err != nil || ok {
		return err
	}
	err = s.core.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{})
	if code := minio.ToErrorResponse(err).Code; code == "BucketAlreadyOwnedByYou" || code == "BucketAlreadyExists" {
		return nil
	}
	return err
}

// SetPolicy sets the bucket's policy ("" removes it); for tests.
func (s *S3) SetPolicy(ctx context.Context, policy string) error {
	return s.core.SetBucketPolicy(ctx, s.bucket, policy)
}

func (s *S3) key(sum string) string { return s.prefix + "files/" + sum }

func isNotFound(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.StatusCode == http.StatusNotFound || r.Code == minio.NoSuchKey
}

// Put implements Store. The content goes through a verifier that holds
// back its last bytes unless they hash to sum, so the store never receives
// a whole wrong object and the upload fails instead of completing.
func (s *S3) Put(ctx context.Context, sum string, size int64, r io.Reader) error {
	if err := validKey(sum); err != nil {
		return err
	}
	if _, err := s.Stat(ctx, sum); err == nil {
		return nil // content-addressed: an existing object is the same content
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	v := newVerifier(r, sum, size)
	_, err := s.core.Client.PutObject(ctx, s.bucket, s.key(sum), v, size, minio.PutObjectOptions{ContentType: "application/octet-stream"})
	if v.mismatch {
		return ErrMismatch
	}
	if err != nil {
		return fmt.Errorf("object store: put %s: %w", sum, err)
	}
	if !v.done() {
		return ErrMismatch
	}
	return nil
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, sum string) (int64, error) {
	if err := validKey(sum); err != nil {
		return 0, err
	}
	info, err := s.core.Client.StatObject(ctx, s.bucket, s.key(sum), minio.StatObjectOptions{})
	if isNotFound(err) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("object store: stat %s: %w", sum, err)
	}
	return info.Size, nil
}

// Open implements Store: one GET, whose body is read as the caller reads;
// a seek elsewhere (a range request) starts a ranged GET there.
func (s *S3) Open(ctx context.Context, sum string) (io.ReadSeekCloser, int64, error) {
	if err := validKey(sum); err != nil {
		return nil, 0, err
	}
	o := &s3Object{ctx: ctx, s: s, key: s.key(sum)}
	body, info, err := o.get(0)
	if err != nil {
		return nil, 0, err
	}
	o.body, o.size = body, info.Size
	return o, o.size, nil
}

// s3Object reads an object from a position, keeping one response body
// open at bodyAt.
type s3Object struct {
	ctx    context.Context
	s      *S3
	key    string
	body   io.ReadCloser
	bodyAt int64
	pos    int64
	size   int64
}

func (o *s3Object) get(from int64) (io.ReadCloser, minio.ObjectInfo, error) {
	opts := minio.GetObjectOptions{}
	if from > 0 {
		if err := opts.SetRange(from, 0); err != nil {
			return nil, minio.ObjectInfo{}, err
		}
	}
	body, info, _, err := o.s.core.GetObject(o.ctx, o.s.bucket, o.key, opts)
	if isNotFound(err) {
		return nil, info, ErrNotFound
	}
	if err != nil {
		return nil, info, fmt.Errorf("object store: get %s: %w", o.key, err)
	}
	return body, info, nil
}

func (o *s3Object) Read(p []byte) (int, error) {
	if o.pos >= o.size {
		return 0, io.EOF
	}
	if o.body == nil || o.bodyAt != o.pos {
		if o.body != nil {
			o.body.Close()
			o.body = nil
		}
		body, _, err := o.get(o.pos)
		if err != nil {
			return 0, err
		}
		o.body, o.bodyAt = body, o.pos
	}
	n, err := o.body.Read(p)
	o.pos += int64(n)
	o.bodyAt += int64(n)
	if errors.Is(err, io.EOF) && o.pos < o.size {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (o *s3Object) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += o.pos
	case io.SeekEnd:
		offset += o.size
	default:
		return 0, errors.New("blob: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("blob: seek before the start")
	}
	o.pos = offset
	return offset, nil
}

func (o *s3Object) Close() error {
	if o.body == nil {
		return nil
	}
	err := o.body.Close()
	o.body = nil
	return err
}
