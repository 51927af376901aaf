/* Shared editor helpers for @authflow/node-red-api-auth nodes (loaded once per editor). */
(function () {
  if (window.AuthflowEditor) return;

  /**
   * Sets up a credential-source typedInput (#<prefix><field>, the prefix
   * `node-input-` or, in a config node's dialog, `node-config-input-`) whose
   * extra "node credentials" type shows the credential text area
   * (#<prefix><field>-cred-row) instead of a key field.
   */
  function credentialSource(node, field, opts) {
    opts = opts || {};
    var id = (opts.prefix || 'node-input-') + field;
    var types = [
      { value: 'cred', label: node._('authflow.source.cred'), icon: 'fa fa-lock', hasValue: false },
      'flow', 'global', 'env', 'msg'
    ];
    if (opts.allowJson) types.push('json');
    if (opts.extraTypes) types = types.concat(opts.extraTypes);
    var $input = $('#' + id);
    var $type = $('#' + id + 'Type');
    $input.typedInput({ default: $type.val() || 'cred', typeField: $type, types: types });
    function toggle() {
      $('#' + id + '-cred-row').toggle($input.typedInput('type') === 'cred');
    }
    $input.on('change', toggle);
    toggle();
  }

  /**
   * Shows the rows matching `rows` while `test` holds for the value of
   * `input` (a checkbox's value: whether it is checked), now and whenever it
   * changes.
   */
  function showWhen(rows, input, test) {
    var $input = $(input);
    function toggle() {
      $(rows).toggle(!!test($input.is(':checkbox') ? $input.is(':checked') : $input.val()));
    }
    $input.on('input change', toggle);
    toggle();
  }

  /** Realm / header names go into quoted strings: refuse ", \, CR, LF and control characters. */
  function safeQuoted(v) {
    return typeof v === 'string' && v.length > 0 && !/["\\\u0000-\u001f\u007f]/.test(v);
  }

  /**
   * Dialogs whose rows depend on one choice (bearer key source, login
   * operation): shows the rows matching `selector` whose `attr` lists
   * `value` (space-separated) and hides the rest.
   */
  function showRowsFor(selector, attr, value) {
    $(selector).each(function () {
      $(this).toggle(($(this).attr(attr) || '').split(' ').indexOf(value) >= 0);
    });
  }

  /**
   * Another field of the node a rule asks about: the open dialog's current
   * value when the field is in it (the user may just have changed it), else
   * the saved one.
   */
  function field(node, name) {
    var $el = $('#node-input-' + name);
    if (!$el.length) $el = $('#node-config-input-' + name);
    if (!$el.length) return node[name];
    return $el.is(':checkbox') ? $el.is(':checked') : $el.val();
  }

  /**
   * The editor `defaults` of a node type, built from its schema
   * (nodes/<dir>/<type>.schema.ts, bundled as window.AuthflowSchema): the
   * same defaults the runtime fills in, the same rules it refuses a deploy
   * with (a red border and the rule's words here), and `configVersion`.
   */
  function defaults(type) {
    var schema = window.AuthflowSchema.schemas[type];
    var lib = window.AuthflowSchema.lib;
    var out = { configVersion: { value: schema.version } };
    Object.keys(schema.properties).forEach(function (name) {
      var spec = schema.properties[name];
      var d = { value: spec.default };
      if (spec.configType) d.type = spec.configType;
      // Node-RED checks `required` before the validator, so a field required only `when` another has some value leaves it to the validator.
      if ((spec.configType || spec.required) && !spec.when) d.required = !!spec.required;
      var typed = spec.sourceTypeField ? RED.validators.typedInput({ typeField: spec.sourceTypeField, allowBlank: true }) : undefined;
      if (spec.rule || spec.choices || spec.when || spec.sourceTypeField || spec.required) {
        // Two parameters: Node-RED (3.1+) shows a returned string as the reason.
        d.validate = function (v, opt) {
          var node = this;
          var problem = lib.propertyProblem(spec, v, function (f) { return field(node, f); });
          if (problem !== undefined) return spec.message ? problem : name + ': ' + problem;
          return typed ? typed.call(node, v, opt) : true;
        };
      }
      out[name] = d;
    });
    return out;
  }

  /**
   * Flows saved with older property names or without newer fields (e.g.
   * `users`, which the editor drops on import because it reserves the name)
   * are migrated by their schema before the editor imports them: at load,
   * on Import (clipboard, library, examples) and on merges with the runtime.
   * Node-RED has no import hook, so RED.nodes.import is wrapped (once).
   */
  function migrateFlow(flow) {
    var S = window.AuthflowSchema;
    if (!S) return flow;
    var parsed = flow;
    if (typeof flow === 'string') {
      try { parsed = JSON.parse(flow); } catch (e) { return flow; }
    }
    // Also fills fields a hand-written or partial flow lacks, as the runtime does.
    var one = function (n) {
      return n && typeof n === 'object' && S.schemas[n.type] ? S.lib.loadConfig(S.schemas[n.type], n) : n;
    };
    return Array.isArray(parsed) ? parsed.map(one) : one(parsed);
  }
  if (window.RED && RED.nodes && typeof RED.nodes.import === 'function' && !RED.nodes.import.authflowMigrates) {
    var importNodes = RED.nodes.import;
    RED.nodes.import = function (flow) {
      var args = Array.prototype.slice.call(arguments);
      try { args[0] = migrateFlow(flow); } catch (e) { console.warn('authflow: flow migration failed', e); }
      return importNodes.apply(this, args);
    };
    RED.nodes.import.authflowMigrates = true;
  }

  /**
   * The "add a user" row under a user list: the password is hashed by the
   * runtime (POST authflow-api-auth/hash-password, scrypt) and only the hash
   * goes into the list; the plain text is never saved with the flow.
   */
  function passwordHasher(node, listSelector) {
    var $list = $(listSelector);
    var $user = $('#authflow-hash-username');
    var $password = $('#authflow-hash-password');
    var $status = $('#authflow-hash-status');
    $('#authflow-hash-add').on('click', function (e) {
      e.preventDefault();
      var username = $.trim($user.val());
      var password = $password.val();
      if (!username || /[:\s]/.test(username) || !password) {
        $status.text(node._('authflow.hash.missing'));
        return;
      }
      $status.text(node._('authflow.hash.working'));
      $.ajax({
        url: 'authflow-api-auth/hash-password',
        method: 'POST',
        contentType: 'application/json',
        data: JSON.stringify({ password: password }),
        dataType: 'json'
      }).done(function (res) {
        $password.val('');
        $list.val(withUser($list.val(), username, res.hash)).trigger('input').trigger('change');
        $status.text(node._('authflow.hash.added', { user: username }));
      }).fail(function (xhr) {
        $status.text(node._('authflow.hash.failed') + ' (' + xhr.status + ')');
      });
    });
  }

  /** The list with `username` set to `hash`, in the list's own format (JSON array, JSON object or user:hash lines). */
  function withUser(text, username, hash) {
    var t = $.trim(text || '');
    try {
      var parsed = t ? JSON.parse(t) : undefined;
      if (Array.isArray(parsed)) {
        var row = parsed.filter(function (u) { return u && u.username === username; })[0];
        if (row) row.password = hash; else parsed.push({ username: username, password: hash });
        return JSON.stringify(parsed, null, 2);
      }
      if (parsed && typeof parsed === 'object') {
        parsed[username] = hash;
        return JSON.stringify(parsed, null, 2);
      }
    } catch (e) { /* lines */ }
    var lines = t ? t.split(/\r?\n/) : [];
    var prefix = username + ':';
    var i = lines.findIndex(function (l) { return l.trim().indexOf(prefix) === 0; });
    if (i >= 0) lines[i] = prefix + hash; else lines.push(prefix + hash);
    return lines.join('\n');
  }

  window.AuthflowEditor = {
    credentialSource: credentialSource, showWhen: showWhen, safeQuoted: safeQuoted, showRowsFor: showRowsFor, color: '#D8BFD8',
    defaults: defaults, migrateFlow: migrateFlow, passwordHasher: passwordHasher
  };
})();
