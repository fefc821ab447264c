/**
 * Variables that carry credentials: amnesia does not hand them to the app under test or its
 * services unless the config names them (`pass_env`). A misconfigured app would otherwise make
 * paid calls with scenario text, and boot logs that print their config end up in artifacts.
 */
const CREDENTIAL_SUFFIX =
  /(?:^|[_-])(?:KEY|KEYS|TOKEN|SECRET|SECRETS|PASSWORD|PASSWD|PASS|CREDENTIALS?|AUTH)$|(?:^|_)(?:API_?KEY|ACCESS_KEY|PRIVATE_KEY)(?:_|$)/i;
const PROVIDER_PREFIX =
  /^(?:OPENAI_|ANTHROPIC_|AZURE_|AWS_|GOOGLE_|GCLOUD_|GEMINI_|VERTEX_|COHERE_|MISTRAL_|GROQ_|TOGETHER_|FIREWORKS_|DEEPSEEK_|XAI_|PERPLEXITY_|REPLICATE_|HF_|HUGGING_?FACE|VOYAGE_|PINECONE_|LANGCHAIN_|LANGSMITH_|LLAMA_?CLOUD|GITHUB_TOKEN$|GH_TOKEN$|NPM_TOKEN$|NODE_AUTH_TOKEN$|ACTIONS_RUNTIME_TOKEN$|ACTIONS_ID_TOKEN)/i;

export function looksLikeCredential(name: string): boolean {
  return CREDENTIAL_SUFFIX.test(name) || PROVIDER_PREFIX.test(name);
}

/** What a clean environment (`clean_env: true`) keeps of amnesia's own: what finds programs, the user, the locale. */
const CLEAN_KEEPS = /^(?:PATH|HOME|USER|LOGNAME|SHELL|TMPDIR|TZ|LANG|LANGUAGE|LC_[A-Z_]+)$/;

export interface InheritedEnvironment {
  env: NodeJS.ProcessEnv;
  /** Names (never values) of the credential-looking variables held back. */
  withheld: string[];
  /** With a clean environment: the names kept (the others were dropped). */
  inherited?: string[];
}

/**
 * amnesia's own environment minus what looks like a credential, except the names in `pass`.
 * `clean`: only PATH, HOME, USER, LOGNAME, SHELL, TMPDIR, TZ, the locale (LANG, LANGUAGE, LC_*)
 * and the names in `pass`.
 */
export function inheritedEnvironment(
  env: NodeJS.ProcessEnv,
  pass: readonly string[] = [],
  clean = false,
): InheritedEnvironment {
  const out: NodeJS.ProcessEnv = {};
  const withheld: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (pass.includes(name)) out[name] = value;
    else if (looksLikeCredential(name)) withheld.push(name);
    else if (!clean || CLEAN_KEEPS.test(name)) out[name] = value;
  }
  return {
    env: out,
    withheld: withheld.sort(),
    ...(clean ? { inherited: Object.keys(out).sort() } : {}),
  };
}
