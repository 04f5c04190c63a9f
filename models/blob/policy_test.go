package blob

import "testing"

func TestBlobPublicPolicy(t *testing.T) {
	for doc, want := range map[string]bool{
		``: false,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`:                           true,
		`{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}}`:                      true,
		`{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:root","*"]},"Action":"s3:*"}]}`:                                 true,
		`{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*"}]}`:                                                                  false,
		`{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:user/portal"]},"Action":"s3:*"}]}`:                              false,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`: false,
		`not json`: true,
	} {
		if got := publicPolicy(doc); got != want {
			t.Errorf("publicPolicy(%s) = %v", doc, got)
		}
	}
}
