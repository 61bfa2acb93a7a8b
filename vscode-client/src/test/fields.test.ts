// <<FIELD>> navigation, like snippet tab stops, and plan file names.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { findFields, nextField, planFileName, slugify } from "../common/fields";

const TEXT = "# Plan: <<FEATURE>>\n**Author:** <<AUTHOR 🚀>>\nx << y >> z\n<<ISSUE_ID>>\n";

describe("findFields", () => {
  it("finds fields as the server does, in UTF-16 offsets", () => {
    const fields = findFields(TEXT);
    assert.deepEqual(
      fields.map((f) => [f.name, TEXT.slice(f.start, f.end)]),
      [
        ["FEATURE", "<<FEATURE>>"],
        ["AUTHOR 🚀", "<<AUTHOR 🚀>>"],
        ["ISSUE_ID", "<<ISSUE_ID>>"],
      ],
    );
  });
});

describe("nextField", () => {
  const fields = findFields(TEXT);
  const [feature, author, issue] = fields;
  it("goes to the first field at or after the cursor", () => {
    assert.equal(nextField(fields, 0, 0), feature);
    assert.equal(nextField(fields, feature!.end, feature!.end), author);
  });
  it("goes from a selected field to the next one, and wraps around", () => {
    assert.equal(nextField(fields, feature!.start, feature!.end), author);
    assert.equal(nextField(fields, issue!.start, issue!.end), feature);
  });
  it("selects the field the cursor is in", () => {
    assert.equal(nextField(fields, author!.start + 3, author!.start + 3), author);
  });
  it("goes backwards, wrapping around", () => {
    assert.equal(nextField(fields, author!.start, author!.end, "previous"), feature);
    assert.equal(nextField(fields, feature!.start, feature!.end, "previous"), issue);
    assert.equal(nextField(fields, TEXT.length, TEXT.length, "previous"), issue);
  });
  it("finds nothing without fields", () => {
    assert.equal(nextField([], 0, 0), undefined);
  });
});

describe("planFileName", () => {
  it("slugs the feature name", () => {
    assert.equal(planFileName("User Login"), "user-login-plan.md");
    assert.equal(planFileName("  OAuth2: SSO / SAML!  "), "oauth2-sso-saml-plan.md");
    assert.equal(planFileName("Café crème"), "café-crème-plan.md");
    assert.equal(planFileName("ログイン 🚀 機能"), "ログイン-機能-plan.md");
  });
  it("refuses a name with no letter or digit", () => {
    assert.equal(planFileName("🚀 !!"), undefined);
    assert.equal(slugify(""), "");
  });
});
