//! Turning the sqlparser AST of the statements whose structure matters (CREATE TABLE, CREATE
//! INDEX, ALTER TABLE) into [`Action`]s. Everything else is classified from tokens.

use super::model::{Action, AlterTableOp, Column, Constraint, ConstraintKind, ForeignKey, Name};
use super::types::{expression, normalize_type};
use sqlparser::ast::{
    self, AlterColumnOperation, AlterTableOperation, ColumnOption, GeneratedAs,
    GeneratedExpressionMode, ObjectName, Statement, TableConstraint,
};

pub fn action_from_ast(statement: &Statement) -> Option<Action> {
    match statement {
        Statement::CreateTable(create) => {
            let columns = create.columns.iter().map(column).collect();
            let constraints = create.constraints.iter().filter_map(constraint).collect();
            Some(Action::CreateTable {
                table: name(&create.name),
                columns,
                constraints,
                partition_of: None,
            })
        }
        Statement::CreateIndex(index) => Some(Action::CreateIndex {
            name: index.name.as_ref().map(name),
            table: name(&index.table_name),
            unique: index.unique,
            concurrently: index.concurrently,
            columns: index
                .columns
                .iter()
                .map(|c| c.column.expr.to_string().to_ascii_lowercase())
                .collect(),
            partial: index.predicate.is_some(),
        }),
        Statement::AlterTable(alter) => {
            let ops: Option<Vec<_>> = alter.operations.iter().map(alter_op).collect();
            Some(Action::AlterTable {
                table: name(&alter.name),
                ops: ops?,
            })
        }
        _ => None,
    }
}

fn ident(i: &ast::Ident) -> String {
    if i.quote_style.is_some() {
        i.value.clone()
    } else {
        i.value.to_ascii_lowercase()
    }
}

pub fn name(object: &ObjectName) -> Name {
    let mut parts: Vec<String> = object
        .0
        .iter()
        .map(|part| match part.as_ident() {
            Some(i) => ident(i),
            None => part.to_string(),
        })
        .collect();
    let last = parts.pop().unwrap_or_default();
    Name {
        schema: parts.pop(),
        name: last,
    }
}

fn column(def: &ast::ColumnDef) -> Column {
    let mut col = Column {
        name: ident(&def.name),
        data_type: Some(normalize_type(&def.data_type.to_string())),
        ..Column::default()
    };
    for option in &def.options {
        match &option.option {
            ColumnOption::NotNull => col.not_null = true,
            ColumnOption::Default(expr) => col.default = Some(expression(&expr.to_string())),
            ColumnOption::PrimaryKey(_) => {
                col.primary_key = true;
                col.not_null = true;
            }
            ColumnOption::Unique(u) => {
                col.unique = true;
                col.nulls_not_distinct =
                    matches!(u.nulls_distinct, ast::NullsDistinctOption::NotDistinct);
            }
            ColumnOption::ForeignKey(fk) => col.references = Some(foreign_key(fk)),
            ColumnOption::Check(check) => col.checks.push(check.expr.to_string()),
            ColumnOption::Identity(_) => col.identity = true,
            ColumnOption::Generated {
                generated_as,
                generation_expr,
                generation_expr_mode,
                ..
            } => {
                if generation_expr.is_some()
                    && (*generation_expr_mode != Some(GeneratedExpressionMode::Virtual)
                        || *generated_as == GeneratedAs::ExpStored)
                {
                    col.generated_stored = true;
                } else if generation_expr.is_none() {
                    col.identity = true;
                }
            }
            _ => {}
        }
    }
    col
}

fn foreign_key(fk: &ast::ForeignKeyConstraint) -> ForeignKey {
    ForeignKey {
        table: name(&fk.foreign_table),
        columns: fk.referred_columns.iter().map(ident).collect(),
        match_full: matches!(fk.match_kind, Some(ast::ConstraintReferenceMatchKind::Full)),
    }
}

fn index_columns(columns: &[ast::IndexColumn]) -> Vec<String> {
    columns
        .iter()
        .map(|c| c.column.expr.to_string().to_ascii_lowercase())
        .collect()
}

fn constraint(c: &TableConstraint) -> Option<Constraint> {
    let (name, kind, columns) = match c {
        TableConstraint::PrimaryKey(pk) => (
            pk.name.as_ref(),
            ConstraintKind::PrimaryKey,
            index_columns(&pk.columns),
        ),
        TableConstraint::Unique(u) => (
            u.name.as_ref(),
            ConstraintKind::Unique,
            index_columns(&u.columns),
        ),
        TableConstraint::ForeignKey(fk) => (
            fk.name.as_ref(),
            ConstraintKind::ForeignKey(foreign_key(fk)),
            fk.columns.iter().map(ident).collect(),
        ),
        TableConstraint::Check(check) => (
            check.name.as_ref(),
            ConstraintKind::Check {
                expression: check.expr.to_string(),
            },
            Vec::new(),
        ),
        TableConstraint::Exclude(ex) => (ex.name.as_ref(), ConstraintKind::Exclusion, Vec::new()),
        TableConstraint::PrimaryKeyUsingIndex(u) | TableConstraint::UniqueUsingIndex(u) => (
            u.name.as_ref(),
            ConstraintKind::UsingIndex {
                primary_key: matches!(c, TableConstraint::PrimaryKeyUsingIndex(_)),
                index: ident(&u.index_name),
            },
            Vec::new(),
        ),
        _ => return None,
    };
    Some(Constraint {
        name: name.map(ident),
        kind,
        columns,
    })
}

/// `None` when the operation is one Drydock models from tokens instead.
fn alter_op(op: &AlterTableOperation) -> Option<AlterTableOp> {
    Some(match op {
        AlterTableOperation::AddColumn { column_def, .. } => {
            AlterTableOp::AddColumn(column(column_def))
        }
        AlterTableOperation::DropColumn { column_names, .. } => AlterTableOp::DropColumn {
            name: column_names
                .iter()
                .map(ident)
                .collect::<Vec<_>>()
                .join(", "),
        },
        AlterTableOperation::AlterColumn { column_name, op } => {
            let column = ident(column_name);
            match op {
                AlterColumnOperation::SetNotNull => AlterTableOp::SetNotNull { column },
                AlterColumnOperation::DropNotNull => AlterTableOp::DropNotNull { column },
                AlterColumnOperation::SetDefault { value } => AlterTableOp::SetDefault {
                    column,
                    default: expression(&value.to_string()),
                },
                AlterColumnOperation::SetDataType {
                    data_type, using, ..
                } => AlterTableOp::AlterType {
                    column,
                    to: normalize_type(&data_type.to_string()),
                    using: using.as_ref().map(|e| e.to_string()),
                },
                other => AlterTableOp::Other(format!("ALTER COLUMN {column} {other}")),
            }
        }
        AlterTableOperation::AddConstraint {
            constraint: c,
            not_valid,
        } => AlterTableOp::AddConstraint {
            constraint: constraint(c)?,
            not_valid: *not_valid,
        },
        AlterTableOperation::ValidateConstraint { name } => {
            AlterTableOp::ValidateConstraint { name: ident(name) }
        }
        AlterTableOperation::DropConstraint { name, .. } => {
            AlterTableOp::DropConstraint { name: ident(name) }
        }
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => AlterTableOp::RenameColumn {
            from: ident(old_column_name),
            to: ident(new_column_name),
        },
        AlterTableOperation::RenameTable { table_name } => AlterTableOp::RenameTable {
            // The kind's Display says "TO name"; the rule wants the name alone.
            to: match table_name {
                sqlparser::ast::RenameTableNameKind::To(name)
                | sqlparser::ast::RenameTableNameKind::As(name) => name.to_string(),
            },
        },
        AlterTableOperation::DetachPartition { .. }
        | AlterTableOperation::DetachPartitionOf { .. }
        | AlterTableOperation::AttachPartition { .. }
        | AlterTableOperation::AttachPartitionOf { .. } => return None,
        AlterTableOperation::SetLogged => AlterTableOp::SetLogged,
        other => AlterTableOp::Other(other.to_string()),
    })
}
